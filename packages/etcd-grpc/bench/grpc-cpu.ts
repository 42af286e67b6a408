// Server CPU per unary call: Keel's Put and Range (protobufjs reflection codecs over grpc-js,
// the choice in the README) beside a trivial grpc-js handler measured in the same run, plus the
// candidates that choice was made against (@grpc/proto-loader, a hand-written codec). Each
// server runs in its own process; CPU is its process.cpuUsage() delta over the measured calls.
// The candidates serve a constant backend, so their figures are the gRPC edge alone; one more
// figure shows Put over a kv-mvcc store (fsync off) for scale.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Client, credentials, Metadata } from '@grpc/grpc-js';
import { reportFigure } from '@keel/bench-kit';
import { messageType } from '../src/proto.js';

const calls = Number(process.env['BENCH_CALLS'] ?? 10_000);
const warmupCalls = Math.min(3_000, calls);
const concurrency = 32;
const childFile = fileURLToPath(new URL('./server-child.ts', import.meta.url));

interface Child {
  readonly proc: ChildProcess;
  readonly port: number;
}

function startChild(mode: string): Promise<Child> {
  const proc = fork(childFile, [mode], {
    execArgv: ['--conditions=@keel/source', '--import', 'tsx'],
  });
  return new Promise((resolve, reject) => {
    proc.once('message', (msg: { port: number }) => {
      resolve({ proc, port: msg.port });
    });
    proc.once('error', reject);
  });
}

function cpuOf(child: Child): Promise<number> {
  return new Promise((resolve) => {
    child.proc.once('message', (msg: { cpu: NodeJS.CpuUsage }) => {
      resolve(msg.cpu.user + msg.cpu.system);
    });
    child.proc.send('cpu');
  });
}

function encode(type: string, obj: Record<string, unknown>): Buffer {
  const m = messageType(type);
  return Buffer.from(m.encode(m.fromObject(obj)).finish());
}

/** Sends `count` calls of `path` with `bytes`, `concurrency` at a time. */
async function drive(
  client: Client,
  req: { path: string; bytes: Buffer },
  count: number,
): Promise<void> {
  const { path, bytes } = req;
  let next = 0;
  const one = (): Promise<void> =>
    new Promise((resolve, reject) => {
      client.makeUnaryRequest(
        path,
        (b: Buffer) => b,
        (b: Buffer) => b,
        bytes,
        new Metadata(),
        (err) => {
          if (err === null) resolve();
          else reject(err);
        },
      );
    });
  const worker = async (): Promise<void> => {
    while (next < count) {
      next++;
      await one();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** Server CPU microseconds per call of `path` on a fresh server of `mode`. */
async function measure(mode: string, path: string, bytes: Buffer): Promise<number> {
  const child = await startChild(mode);
  const client = new Client(`127.0.0.1:${child.port}`, credentials.createInsecure());
  try {
    await drive(client, { path, bytes }, warmupCalls);
    const before = await cpuOf(child);
    await drive(client, { path, bytes }, calls);
    const after = await cpuOf(child);
    return (after - before) / calls;
  } finally {
    client.close();
    child.proc.send('exit');
  }
}

const put = encode('etcdserverpb.PutRequest', {
  key: Buffer.from('bench/key'),
  value: Buffer.alloc(64, 1),
});
const range = encode('etcdserverpb.RangeRequest', { key: Buffer.from('bench/key') });
const trivialUs = await measure('trivial', '/bench.Trivial/Call', Buffer.alloc(0));
const baseline = 'trivial grpc-js unary handler (identity codec), same run';
const figure = (metric: string, value: number): void => {
  reportFigure({
    bench: 'etcd-grpc/unary-cpu',
    metric,
    value,
    unit: 'us',
    baseline,
    baselineValue: trivialUs,
  });
};
figure(
  'server cpu per Put (keel: protobufjs reflection)',
  await measure('keel', '/etcdserverpb.KV/Put', put),
);
figure(
  'server cpu per Range (keel: protobufjs reflection)',
  await measure('keel', '/etcdserverpb.KV/Range', range),
);
figure(
  'server cpu per Put (candidate: @grpc/proto-loader)',
  await measure('proto-loader', '/etcdserverpb.KV/Put', put),
);
figure(
  'server cpu per Range (candidate: @grpc/proto-loader)',
  await measure('proto-loader', '/etcdserverpb.KV/Range', range),
);
figure(
  'server cpu per Put (candidate: hand-written codec)',
  await measure('handwritten', '/etcdserverpb.KV/Put', put),
);
figure(
  'server cpu per Put (keel over a kv-mvcc store, fsync off)',
  await measure('keel-store', '/etcdserverpb.KV/Put', put),
);
