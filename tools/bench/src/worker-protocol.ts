// The messages between the load generator's main thread and its worker threads.

/** What a load job does per operation (`mix-90-10`: every tenth a put, the rest linearizable). */
export type LoadOp = 'put' | 'range-linearizable' | 'range-serializable' | 'mix-90-10';

/** A closed-loop load run by one worker thread. */
export interface LoadJob {
  /** Client URLs; operation `i` goes to endpoint `i mod count`. */
  readonly endpoints: readonly string[];
  /** Concurrent callers in this thread. */
  readonly clients: number;
  readonly op: LoadOp;
  /** Keys of this thread start with it, so threads never write each other's keys. */
  readonly keyPrefix: string;
  readonly warmupMs: number;
  readonly durationMs: number;
}

/** Watchers opened by one worker thread on every key under `prefix`. */
export interface WatchJob {
  readonly endpoints: readonly string[];
  readonly watchers: number;
  readonly prefix: string;
}

/** What one thread measured in a load job (latencies in microseconds). */
export interface WorkerLoadResult {
  readonly ops: number;
  readonly errors: number;
  readonly elapsedMs: number;
  readonly samplesUs: Float64Array;
  /** Share of the measured time this thread's event loop was busy (1 = saturated). */
  readonly eventLoopUtilization: number;
  readonly firstError?: string;
}

/** A request to a worker thread; the reply carries the same id. */
export type WorkerRequest =
  | { readonly id: number; readonly kind: 'load'; readonly job: LoadJob }
  | { readonly id: number; readonly kind: 'watch-open'; readonly job: WatchJob }
  | { readonly id: number; readonly kind: 'watch-count' | 'watch-close' };

/** A worker thread's reply. `events` counts watch events received since the watchers opened. */
export type WorkerReply =
  | { readonly id: number; readonly kind: 'load'; readonly result: WorkerLoadResult }
  | { readonly id: number; readonly kind: 'events'; readonly events: number }
  | { readonly id: number; readonly kind: 'failed'; readonly error: string };
