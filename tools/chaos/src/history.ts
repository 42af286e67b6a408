import { performance } from 'node:perf_hooks';

/** How an operation ended: `unknown` when the client cannot tell whether it took effect. */
export type Outcome = 'ok' | 'fail' | 'unknown';

/** One client operation as recorded: invoked at `invokeUs`, completed at `completeUs`. */
export interface Operation<TInput, TOutput> {
  readonly process: number;
  readonly input: TInput;
  readonly invokeUs: number;
  /** Absent while pending; `Infinity` for unknown outcomes, which may take effect at any time. */
  readonly completeUs: number;
  readonly outcome: Outcome | 'pending';
  readonly output?: TOutput;
}

/**
 * Records operations with monotonic timestamps (microseconds since the recorder was made).
 * `invoke` returns a handle that completes the same operation exactly once.
 */
export class HistoryRecorder<TInput, TOutput> {
  readonly #origin = performance.now();
  readonly #ops: Operation<TInput, TOutput>[] = [];

  #nowUs(): number {
    return Math.round((performance.now() - this.#origin) * 1000);
  }

  /** Records the start of an operation by `process`. */
  invoke(process: number, input: TInput): (outcome: Outcome, output?: TOutput) => void {
    const slot = this.#ops.length;
    const invokeUs = this.#nowUs();
    this.#ops.push({ process, input, invokeUs, completeUs: Infinity, outcome: 'pending' });
    let done = false;
    return (outcome, output) => {
      if (done) throw new Error(`operation ${slot} completed twice`);
      done = true;
      const completeUs = outcome === 'unknown' ? Infinity : this.#nowUs();
      const op = { process, input, invokeUs, completeUs, outcome };
      this.#ops[slot] = output === undefined ? op : { ...op, output };
    };
  }

  /** The operations recorded so far, in invocation order; pending ones count as unknown. */
  operations(): readonly Operation<TInput, TOutput>[] {
    return this.#ops.map((op) => (op.outcome === 'pending' ? { ...op, outcome: 'unknown' } : op));
  }
}
