import { performance } from 'node:perf_hooks';
import { assert } from './assert.js';
import { ChaosError } from './errors.js';

/**
 * How an operation ended. `ok`: it took effect and its output is known. `fail`: it certainly did
 * not take effect (the server refused it). `unknown`: the client cannot tell (timeout, lost
 * connection): it may have taken effect at any time after its invocation, or never.
 */
export type Outcome = 'ok' | 'fail' | 'unknown';

/** One client operation as recorded: invoked at `invokeUs`, completed at `completeUs`. */
export interface Operation<TInput, TOutput> {
  /** Position in the history, unique; reports and timelines name operations by it. */
  readonly id: number;
  /** The client (logical process) that ran it; one process runs one operation at a time. */
  readonly process: number;
  readonly input: TInput;
  /** Microseconds on a monotonic clock shared by every process of the history. */
  readonly invokeUs: number;
  /** `Infinity` while pending and for unknown outcomes, which may take effect at any time. */
  readonly completeUs: number;
  readonly outcome: Outcome | 'pending';
  /** Present for `ok` outcomes whose operation returns something (reads, compare-and-set). */
  readonly output?: TOutput;
}

/**
 * Records operations with monotonic timestamps (microseconds since the recorder was made).
 * `invoke` returns a handle that completes the same operation exactly once.
 *
 * @example
 * const h = new HistoryRecorder<RegisterInput, RegisterOutput>();
 * const done = h.invoke(1, { f: 'read', key: 'k' });
 * done('ok', { value: null });
 */
export class HistoryRecorder<TInput, TOutput> {
  readonly #origin = performance.now();
  readonly #ops: Operation<TInput, TOutput>[] = [];

  #nowUs(): number {
    return Math.round((performance.now() - this.#origin) * 1000);
  }

  /** Records the start of an operation by `process`; the handle throws `AssertionError` if called twice. */
  invoke(process: number, input: TInput): (outcome: Outcome, output?: TOutput) => void {
    const id = this.#ops.length;
    const invokeUs = this.#nowUs();
    this.#ops.push({ id, process, input, invokeUs, completeUs: Infinity, outcome: 'pending' });
    let done = false;
    return (outcome, output) => {
      // Completing twice is a bug in the client driver, never an operating condition.
      assert(!done, `operation ${id} completed twice`);
      done = true;
      const completeUs = outcome === 'unknown' ? Infinity : this.#nowUs();
      const op = { id, process, input, invokeUs, completeUs, outcome };
      this.#ops[id] = output === undefined ? op : { ...op, output };
    };
  }

  /** The operations recorded so far, in invocation order; pending ones count as unknown. */
  operations(): readonly Operation<TInput, TOutput>[] {
    return this.#ops.map((op) => (op.outcome === 'pending' ? { ...op, outcome: 'unknown' } : op));
  }
}

function invalid(op: { id: number }, why: string): ChaosError {
  return new ChaosError({ code: 'INVALID_HISTORY', message: `operation ${op.id}: ${why}` });
}

/**
 * Checks the shape every checker relies on (the gateway check): unique ids, safe non-negative
 * times, `ok` and `fail` operations complete no earlier than they start.
 *
 * @throws ChaosError `INVALID_HISTORY` naming the first offending operation.
 */
export function validateHistory<TInput, TOutput>(ops: readonly Operation<TInput, TOutput>[]): void {
  const ids = new Set<number>();
  for (const op of ops) {
    if (!Number.isSafeInteger(op.id) || ids.has(op.id)) throw invalid(op, 'id not unique');
    ids.add(op.id);
    if (!Number.isSafeInteger(op.process)) throw invalid(op, 'process is not an integer');
    if (!Number.isFinite(op.invokeUs) || op.invokeUs < 0) throw invalid(op, 'bad invokeUs');
    const closed = op.outcome === 'ok' || op.outcome === 'fail';
    if (closed && !Number.isFinite(op.completeUs)) throw invalid(op, 'completed with no time');
    if (op.completeUs < op.invokeUs) throw invalid(op, 'completes before it starts');
  }
}
