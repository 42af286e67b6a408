// Hand-written histories for the checker tests: times in microseconds, ids in order of addition.
import type { Operation } from '../src/index.js';

/** `[process, invokeUs, completeUs]` of a completed operation. */
export type Span = readonly [number, number, number];

/** Builds a history one operation at a time. */
export class HistoryBuilder<TInput, TOutput> {
  readonly ops: Operation<TInput, TOutput>[] = [];

  /** An operation that took effect within `span` and returned `output`. */
  ok(span: Span, input: TInput, output?: TOutput): this {
    const [process, invokeUs, completeUs] = span;
    const base = { id: this.ops.length, process, input, invokeUs, completeUs };
    const op = { ...base, outcome: 'ok' as const };
    this.ops.push(output === undefined ? op : { ...op, output });
    return this;
  }

  /** An operation invoked at `invokeUs` whose outcome is unknown. */
  unknown(process: number, invokeUs: number, input: TInput): this {
    const id = this.ops.length;
    this.ops.push({ id, process, input, invokeUs, completeUs: Infinity, outcome: 'unknown' });
    return this;
  }

  /** An operation that certainly did not take effect. */
  fail(span: Span, input: TInput): this {
    const [process, invokeUs, completeUs] = span;
    this.ops.push({ id: this.ops.length, process, input, invokeUs, completeUs, outcome: 'fail' });
    return this;
  }
}
