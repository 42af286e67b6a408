import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { summarize } from '@keel/bench-kit';
import { cpuSeconds } from './member-process.js';
import type {
  LoadJob,
  WatchJob,
  WorkerLoadResult,
  WorkerReply,
  WorkerRequest,
} from './worker-protocol.js';

/** A request without its id (the generator numbers requests itself). */
type Request = WorkerRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

/** What a load measured, with the CPU the generator and the servers used meanwhile. */
export interface LoadResult {
  readonly opsPerSec: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly errors: number;
  readonly firstError?: string;
  /** CPU cores the generator (this whole process, every thread) used on average. */
  readonly generatorCores: number;
  /** The busiest generator thread's event-loop utilization (near 1: the thread was the limit). */
  readonly generatorBusiest: number;
  /** CPU cores the server processes used on average. */
  readonly serverCores: number;
}

/** CPU time of this process and of the given server processes, to take deltas of. */
function cpuNow(serverPids: readonly number[]) {
  const own = process.cpuUsage();
  return {
    at: performance.now(),
    generatorSec: (own.user + own.system) / 1e6,
    serverSec: serverPids.reduce((sum, pid) => sum + cpuSeconds(pid), 0),
  };
}

/**
 * Starts one generator thread: the built `load-worker.js`, or, when this module runs from source
 * (the pipeline's test), `load-worker.ts` with tsx's loader registered in the thread first.
 */
function startWorker(): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./load-worker.js', here));
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const file = JSON.stringify(new URL('./load-worker.ts', here).href);
  return new Worker(`import(${tsx}).then((m) => { m.register(); return import(${file}); });`, {
    eval: true,
  });
}

/** Splits `total` callers over `threads` as evenly as possible (the first threads get the rest). */
function split(total: number, threads: number): number[] {
  return Array.from(
    { length: threads },
    (_, w) => Math.floor(total / threads) + (w < total % threads ? 1 : 0),
  );
}

/**
 * The load generator: worker threads running closed loops with the lean gRPC client, so that
 * on a 2-core machine the generator is not what limits the servers. It measures its own CPU.
 */
export class LoadGenerator {
  readonly #workers: Worker[];
  /** Requests awaiting their reply, by id, with the thread they went to. */
  readonly #pending = new Map<number, { w: number; settle: (reply: WorkerReply) => void }>();
  #nextId = 1;

  constructor(threads: number) {
    this.#workers = Array.from({ length: threads }, (_, w) => {
      const worker = startWorker();
      worker.on('message', (reply: WorkerReply) => {
        this.#pending.get(reply.id)?.settle(reply);
        this.#pending.delete(reply.id);
      });
      // A thread that dies fails whatever it was asked, so the run stops instead of hanging.
      worker.on('error', (e) => {
        this.#failAll(w, `a load-generator thread failed: ${String(e)}`);
      });
      worker.on('exit', (code) => {
        this.#failAll(w, `a load-generator thread exited (code ${code})`);
      });
      return worker;
    });
  }

  #failAll(w: number, error: string): void {
    for (const [id, p] of this.#pending) {
      if (p.w !== w) continue;
      this.#pending.delete(id);
      p.settle({ id, kind: 'failed', error });
    }
  }

  /** Sends one request to thread `w` and resolves with its reply (a failure rejects). */
  #ask(w: number, req: Request): Promise<WorkerReply> {
    const worker = this.#workers[w];
    if (worker === undefined) throw new Error(`no generator thread ${w}`);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, {
        w,
        settle: (reply) => {
          if (reply.kind === 'failed') reject(new Error(reply.error));
          else resolve(reply);
        },
      });
      worker.postMessage({ ...req, id });
    });
  }

  /**
   * Runs `spec` spread over every thread at once (`spec.clients` callers in all; thread `w` uses
   * keys under `<keyPrefix><w>/`) and merges what they measured.
   */
  async run(spec: LoadJob, serverPids: readonly number[]): Promise<LoadResult> {
    const shares = split(spec.clients, this.#workers.length);
    const before = cpuNow(serverPids);
    const replies = await Promise.all(
      shares.flatMap((clients, w) =>
        clients === 0
          ? []
          : [
              this.#ask(w, {
                kind: 'load',
                job: { ...spec, clients, keyPrefix: `${spec.keyPrefix}${w}/` },
              }),
            ],
      ),
    );
    const after = cpuNow(serverPids);
    const results = replies.map((r) => (r as { result: WorkerLoadResult }).result);
    return merge(results, { before, after });
  }

  /** Opens `watchers` watchers on `prefix`, spread over threads; resolves once all are created. */
  async openWatchers(job: WatchJob): Promise<void> {
    const shares = split(job.watchers, this.#workers.length);
    await Promise.all(
      shares.map((watchers, w) => this.#ask(w, { kind: 'watch-open', job: { ...job, watchers } })),
    );
  }

  /** Watch events received so far by every thread's watchers. */
  async watchEvents(kind: 'watch-count' | 'watch-close' = 'watch-count'): Promise<number> {
    const replies = await Promise.all(this.#workers.map((_, w) => this.#ask(w, { kind })));
    return replies.reduce((sum, r) => sum + (r.kind === 'events' ? r.events : 0), 0);
  }

  /** Stops every thread. */
  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }
}

function merge(
  results: readonly WorkerLoadResult[],
  cpu: { before: ReturnType<typeof cpuNow>; after: ReturnType<typeof cpuNow> },
): LoadResult {
  const samples: number[] = [];
  for (const r of results) for (const s of r.samplesUs) samples.push(s);
  const latency = summarize(samples);
  const wallSec = (cpu.after.at - cpu.before.at) / 1000;
  const firstError = results.find((r) => r.firstError !== undefined)?.firstError;
  return {
    opsPerSec: results.reduce((sum, r) => sum + (r.ops * 1000) / r.elapsedMs, 0),
    p50Us: latency.p50,
    p99Us: latency.p99,
    errors: results.reduce((sum, r) => sum + r.errors, 0),
    ...(firstError === undefined ? {} : { firstError }),
    generatorCores: (cpu.after.generatorSec - cpu.before.generatorSec) / wallSec,
    generatorBusiest: Math.max(0, ...results.map((r) => r.eventLoopUtilization)),
    serverCores: (cpu.after.serverSec - cpu.before.serverSec) / wallSec,
  };
}

/** Cores of this machine, the denominator of the generator's CPU share. */
export const machineCores = availableParallelism();
