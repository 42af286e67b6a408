import { assert } from './assert.js';
import type { Cancel, Clock } from './clock.js';
import { EmbedError } from './errors.js';

interface Pending<T> {
  resolve(value: T): void;
  reject(error: unknown): void;
  /** When it times out, on the clock's scale. */
  deadlineMs: number;
}

/**
 * Requests waiting for their outcome, by request ID: a proposal waits for its entry to be applied,
 * a read for its read index. Each has the same time limit (TIMEOUT, outcome unknown), the set is
 * bounded (OVERLOADED when full), and `rejectAll` settles every one at close (STOPPED).
 * One timer serves them all: with one time limit, deadlines come in the order requests arrive
 * (a map's order), so it is armed for the oldest (a timer per request cost a visible share of
 * a member's CPU under load).
 */
export class PendingRequests<T> {
  readonly #waiting = new Map<string, Pending<T>>();
  readonly #clock: Clock;
  readonly #countMax: number;
  readonly #timeoutMs: number;
  #cancelTimer: Cancel | undefined;

  constructor(options: { clock: Clock; countMax: number; timeoutMs: number }) {
    assert(Number.isSafeInteger(options.countMax) && options.countMax > 0, 'countMax must be > 0');
    assert(options.timeoutMs > 0, 'timeoutMs must be > 0');
    this.#clock = options.clock;
    this.#countMax = options.countMax;
    this.#timeoutMs = options.timeoutMs;
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
  wait(id: string): Promise<T> {
    assert(!this.#waiting.has(id), `request ${id} is already waiting`);
    if (this.#waiting.size >= this.#countMax) {
      throw new EmbedError({
        code: 'OVERLOADED',
        message: `too many requests in flight (${this.#countMax}); retry after some complete`,
      });
    }
    const deadlineMs = this.#clock.nowMs() + this.#timeoutMs;
    return new Promise<T>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject, deadlineMs });
      this.#cancelTimer ??= this.#clock.after(this.#timeoutMs, () => {
        this.#expire();
      });
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
    if (this.#waiting.size === 0) {
      this.#cancelTimer?.();
      this.#cancelTimer = undefined;
    }
    return p;
  }

  /** Times out the requests whose deadline passed, then waits for the next oldest. */
  #expire(): void {
    this.#cancelTimer = undefined;
    const now = this.#clock.nowMs();
    for (const [id, p] of this.#waiting) {
      if (p.deadlineMs > now) {
        this.#cancelTimer = this.#clock.after(p.deadlineMs - now, () => {
          this.#expire();
        });
        return;
      }
      this.reject(
        id,
        new EmbedError({
          code: 'TIMEOUT',
          message: `request timed out after ${this.#timeoutMs} ms; its outcome is unknown`,
        }),
      );
    }
  }
}
