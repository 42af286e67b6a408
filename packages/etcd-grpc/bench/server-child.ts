// One server under measurement, in its own process so that its CPU time is its own. argv[2]
// picks the candidate; the parent asks for process.cpuUsage() over IPC before and after a run.
// Every candidate serves the same constant backend, except `keel-store`, which writes to a
// kv-mvcc store (fsync off) to show what a store adds.
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { createEtcdGrpcServer } from '../src/index.js';
import { StoreBackend } from '../test/store-backend.js';
import { constantBackend } from './constant-backend.js';
import { decodePut, encodePutResponse } from './handwritten-put.js';

const mode = process.argv[2] ?? 'trivial';
const backend = mode === 'keel-store' ? await StoreBackend.open() : constantBackend();
const identity = (b: Buffer): Buffer => b;

function rawService(name: string, method: string): grpc.ServiceDefinition {
  return {
    [method]: {
      path: `/${name}/${method}`,
      requestStream: false,
      responseStream: false,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: identity,
      responseDeserialize: identity,
    },
  };
}

function trivialServer(): grpc.Server {
  const server = new grpc.Server();
  const empty = Buffer.alloc(0);
  server.addService(rawService('bench.Trivial', 'Call'), {
    Call: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
      cb(null, empty);
    },
  });
  return server;
}

function handwrittenServer(): grpc.Server {
  const server = new grpc.Server();
  server.addService(rawService('etcdserverpb.KV', 'Put'), {
    Put: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
      backend.put(decodePut(call.request)).then(
        (res) => {
          cb(null, encodePutResponse({ ...backend.header(), revision: res.revision }));
        },
        (e: unknown) => {
          cb({ code: grpc.status.UNKNOWN, details: String(e) });
        },
      );
    },
  });
  return server;
}

interface LoaderPut {
  key: Buffer;
  value: Buffer;
  lease: number;
  prevKv: boolean;
}

function protoLoaderServer(): grpc.Server {
  const file = fileURLToPath(new URL('../proto/rpc.proto', import.meta.url));
  const def = protoLoader.loadSync(file, {
    longs: Number,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    etcdserverpb: { KV: { service: grpc.ServiceDefinition } };
  };
  const server = new grpc.Server();
  server.addService(pkg.etcdserverpb.KV.service, {
    Put: (call: grpc.ServerUnaryCall<LoaderPut, object>, cb: grpc.sendUnaryData<object>) => {
      const r = call.request;
      backend.put({ key: r.key, value: r.value, lease: r.lease, prevKv: r.prevKv }).then(
        (res) => {
          cb(null, { header: { ...backend.header(), revision: res.revision } });
        },
        (e: unknown) => {
          cb({ code: grpc.status.UNKNOWN, details: String(e) });
        },
      );
    },
    Range: (
      call: grpc.ServerUnaryCall<{ key: Buffer }, object>,
      cb: grpc.sendUnaryData<object>,
    ) => {
      backend.range({ key: call.request.key }).then(
        (res) => {
          cb(null, {
            header: { ...backend.header(), revision: res.revision },
            kvs: res.kvs,
            count: res.count,
          });
        },
        (e: unknown) => {
          cb({ code: grpc.status.UNKNOWN, details: String(e) });
        },
      );
    },
  });
  return server;
}

async function bind(server: grpc.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => {
      if (err === null) resolve(port);
      else reject(err);
    });
  });
}

let port: number;
if (mode === 'keel' || mode === 'keel-store') {
  port = await createEtcdGrpcServer({ backend }).listen('127.0.0.1', 0);
} else if (mode === 'proto-loader') {
  port = await bind(protoLoaderServer());
} else if (mode === 'handwritten') {
  port = await bind(handwrittenServer());
} else {
  port = await bind(trivialServer());
}
process.on('message', (msg) => {
  if (msg === 'cpu') process.send?.({ cpu: process.cpuUsage() });
  if (msg === 'exit') process.exit(0);
});
process.send?.({ port });
