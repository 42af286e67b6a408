import { assert } from './assert.js';
import type { Cancel, Clock } from './clock.js';
import { EmbedError } from './errors.js';

interface Pending<T> {
  resolve(value: T): void;
  reject(error: unknown): void;
  cancelTimer: Cancel;
}

/**
 * Requests waiting for their outcome, by request ID: a proposal waits for its entry to be applied,
 * a read for its read index. Each has a time limit (TIMEOUT, outcome unknown), the set is bounded
 * (OVERLOADED when full), and `rejectAll` settles every one at close (STOPPED).
 */
export class PendingRequests<T> {
  readonly #waiting = new Map<string, Pending<T>>();
  readonly #clock: Clock;
  readonly #countMax: number;

  constructor(options: { clock: Clock; countMax: number }) {
    assert(Number.isSafeInteger(options.countMax) && options.countMax > 0, 'countMax must be > 0');
    this.#clock = options.clock;
    this.#countMax = options.countMax;
  }

  /** How many requests wait now. */
  get size(): number {
    return this.#waiting.size;
  }

  /**
   * Registers request `id` and returns the promise of its outcome.
   *
   * @throws EmbedError `OVERLOADED` when `countMax` requests already wait.
   */
  wait(id: string, timeoutMs: number): Promise<T> {
    assert(!this.#waiting.has(id), `request ${id} is already waiting`);
    if (this.#waiting.size >= this.#countMax) {
      throw new EmbedError({
        code: 'OVERLOADED',
        message: `too many requests in flight (${this.#countMax}); retry after some complete`,
      });
    }
    return new Promise<T>((resolve, reject) => {
      const cancelTimer = this.#clock.after(timeoutMs, () => {
        this.reject(
          id,
          new EmbedError({
            code: 'TIMEOUT',
            message: `request timed out after ${timeoutMs} ms; its outcome is unknown`,
          }),
        );
      });
      this.#waiting.set(id, { resolve, reject, cancelTimer });
    });
  }

  /** Settles request `id` with `value`; returns false when it no longer waits (timed out). */
  resolve(id: string, value: T): boolean {
    const p = this.#take(id);
    p?.resolve(value);
    return p !== undefined;
  }

  /** Settles request `id` with `error`; returns false when it no longer waits. */
  reject(id: string, error: unknown): boolean {
    const p = this.#take(id);
    p?.reject(error);
    return p !== undefined;
  }

  /** Rejects every waiting request with `error`. */
  rejectAll(error: unknown): void {
    for (const id of [...this.#waiting.keys()]) this.reject(id, error);
  }

  #take(id: string): Pending<T> | undefined {
    const p = this.#waiting.get(id);
    if (p === undefined) return undefined;
    this.#waiting.delete(id);
    p.cancelTimer();
    return p;
  }
}
