// One thread of the load generator. The main thread sends it a job (a closed-loop load, or a set
// of watchers to open, count and close) and it answers with the job's id. Requests are encoded
// once, up front, and answers are only checked for their gRPC status (watch answers are scanned
// for their event count), so a thread spends its CPU on sending.
import { performance } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';
import { runClosedLoop } from '@keel/bench-kit';
import { encodePut, encodeRange, encodeWatchPrefix } from './etcd-requests.js';
import { GrpcLoadClient } from './grpc-load-client.js';
import { limits } from './limits.js';
import { countField, GrpcMessageReader } from './proto-reader.js';
import type {
  LoadJob,
  WatchJob,
  WorkerLoadResult,
  WorkerReply,
  WorkerRequest,
} from './worker-protocol.js';

const putPath = '/etcdserverpb.KV/Put';
const rangePath = '/etcdserverpb.KV/Range';

/** The pre-encoded requests of one load job: `keysPerWorker` keys under the job's prefix. */
function encodeRequests(job: LoadJob) {
  const value = Buffer.alloc(limits.valueBytes, 0x61);
  const keys = Array.from({ length: limits.keysPerWorker }, (_, i) =>
    Buffer.from(`${job.keyPrefix}${String(i).padStart(6, '0')}`),
  );
  return {
    puts: keys.map((k) => encodePut(k, value)),
    linearizable: keys.map((k) => encodeRange(k, false)),
    serializable: keys.map((k) => encodeRange(k, true)),
  };
}

function describeError(e: unknown): string {
  return e instanceof Error ? e.message : JSON.stringify(e);
}

/** Runs one closed-loop load: a warm-up that is thrown away, then the measured run. */
async function runLoad(job: LoadJob): Promise<WorkerLoadResult> {
  const clients = job.endpoints.map(
    (url) => new GrpcLoadClient(url, limits.connectionsPerEndpoint),
  );
  const req = encodeRequests(job);
  const n = limits.keysPerWorker;
  const op = (i: number): Promise<Buffer> => {
    const client = clients[i % clients.length] as GrpcLoadClient;
    const k = i % n;
    switch (job.op) {
      case 'put':
        return client.call(putPath, req.puts[k] as Buffer);
      case 'range-linearizable':
        return client.call(rangePath, req.linearizable[k] as Buffer);
      case 'range-serializable':
        return client.call(rangePath, req.serializable[k] as Buffer);
      case 'mix-90-10':
        return i % 10 === 0
          ? client.call(putPath, req.puts[k] as Buffer)
          : client.call(rangePath, req.linearizable[k] as Buffer);
    }
  };
  try {
    await runClosedLoop({ concurrency: job.clients, durationMs: job.warmupMs }, op);
    const elu0 = performance.eventLoopUtilization();
    const r = await runClosedLoop({ concurrency: job.clients, durationMs: job.durationMs }, op);
    const elu = performance.eventLoopUtilization(elu0).utilization;
    return {
      ops: r.ops,
      errors: r.errors,
      elapsedMs: r.elapsedMs,
      samplesUs: Float64Array.from(r.latencySamplesUs),
      eventLoopUtilization: elu,
      ...(r.firstError === undefined ? {} : { firstError: describeError(r.firstError) }),
    };
  } finally {
    for (const c of clients) c.close();
  }
}

/** Open watchers of this thread: their clients, streams and the events they have received. */
const watching = { clients: [] as GrpcLoadClient[], closers: [] as (() => void)[], events: 0 };

/** Opens `job.watchers` watch streams on the job's prefix; resolves once every one is created. */
async function openWatchers(job: WatchJob): Promise<void> {
  const clients = job.endpoints.map(
    (url) => new GrpcLoadClient(url, limits.connectionsPerEndpoint),
  );
  watching.clients.push(...clients);
  const create = encodeWatchPrefix(Buffer.from(job.prefix));
  const created = Array.from({ length: job.watchers }, (_, w) => {
    const stream = (clients[w % clients.length] as GrpcLoadClient).openStream(
      '/etcdserverpb.Watch/Watch',
      create,
    );
    watching.closers.push(() => {
      stream.close();
    });
    const reader = new GrpcMessageReader();
    return new Promise<void>((resolve, reject) => {
      stream.on('data', (chunk: Buffer) => {
        for (const message of reader.push(chunk)) {
          // WatchResponse: created = 3, events = 11.
          watching.events += countField(message, 11);
          resolve(); // the first answer is the "created" one
        }
      });
      stream.on('error', reject);
      stream.on('close', () => {
        reject(new Error('a watch stream closed before it was created'));
      });
    });
  });
  await Promise.all(created);
}

function closeWatchers(): number {
  for (const close of watching.closers) close();
  for (const c of watching.clients) c.close();
  const events = watching.events;
  Object.assign(watching, { clients: [], closers: [], events: 0 });
  return events;
}

async function handle(req: WorkerRequest): Promise<WorkerReply> {
  switch (req.kind) {
    case 'load':
      return { id: req.id, kind: 'load', result: await runLoad(req.job) };
    case 'watch-open':
      await openWatchers(req.job);
      return { id: req.id, kind: 'events', events: watching.events };
    case 'watch-count':
      return { id: req.id, kind: 'events', events: watching.events };
    case 'watch-close':
      return { id: req.id, kind: 'events', events: closeWatchers() };
  }
}

const port = parentPort;
if (port === null) throw new Error('load-worker runs as a worker thread only');
port.on('message', (req: WorkerRequest) => {
  handle(req).then(
    (reply) => {
      port.postMessage(reply);
    },
    (e: unknown) => {
      port.postMessage({ id: req.id, kind: 'failed', error: String(e) } satisfies WorkerReply);
    },
  );
});
