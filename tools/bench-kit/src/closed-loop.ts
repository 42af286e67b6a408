import { performance } from 'node:perf_hooks';
import { summarize, type LatencySummary } from './stats.js';

/** Options of a closed-loop load run. */
export interface ClosedLoopOptions {
  /** How many callers run at once; each starts its next operation when the last one ends. */
  readonly concurrency: number;
  /** Stop starting operations after this many milliseconds. */
  readonly durationMs: number;
  /** Stop starting operations after this many in total (unbounded when absent). */
  readonly opsMax?: number;
}

/** What a closed-loop run measured. Latencies are in microseconds. */
export interface ClosedLoopResult {
  readonly ops: number;
  readonly errors: number;
  readonly elapsedMs: number;
  readonly opsPerSec: number;
  readonly latencyUs: LatencySummary;
  /** Every successful operation's latency, in completion order, for merging runs (p99 of all). */
  readonly latencySamplesUs: readonly number[];
}

/**
 * Runs `op(i)` from `concurrency` callers in a closed loop until the time or op budget is spent,
 * and measures throughput and per-operation latency. A rejected `op` counts as an error and the
 * caller goes on; the first error is kept in `firstError` for the report.
 */
export async function runClosedLoop(
  options: ClosedLoopOptions,
  op: (i: number) => Promise<unknown>,
): Promise<ClosedLoopResult & { readonly firstError?: unknown }> {
  const latencies: number[] = [];
  const opsMax = options.opsMax ?? Number.MAX_SAFE_INTEGER;
  const start = performance.now();
  const deadline = start + options.durationMs;
  let started = 0;
  let errors = 0;
  let firstError: unknown;
  const caller = async (): Promise<void> => {
    while (started < opsMax && performance.now() < deadline) {
      const i = started++;
      const t0 = performance.now();
      try {
        await op(i);
        latencies.push((performance.now() - t0) * 1000);
      } catch (e) {
        errors++;
        firstError ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, caller));
  const elapsedMs = performance.now() - start;
  return {
    ops: latencies.length,
    errors,
    elapsedMs,
    opsPerSec: (latencies.length * 1000) / elapsedMs,
    latencyUs: summarize(latencies),
    latencySamplesUs: latencies,
    ...(firstError === undefined ? {} : { firstError }),
  };
}
