import { assert } from './assert.js';
import { EmbedError } from './errors.js';

/**
 * The driver loop's bounded inbox (STYLE.md §6): timers, sockets and client calls never touch
 * Raft directly; they push events here and the loop drains them in batches at its own pace. A
 * full inbox fails fast with OVERLOADED instead of growing without limit.
 */
export class Inbox<TEvent> {
  #events: TEvent[] = [];
  #wake: (() => void) | undefined;
  #closed = false;
  readonly #countMax: number;

  constructor(countMax: number) {
    assert(Number.isSafeInteger(countMax) && countMax > 0, 'countMax must be > 0');
    this.#countMax = countMax;
  }

  /** Events waiting to be drained. */
  get size(): number {
    return this.#events.length;
  }

  /**
   * Queues `event` and wakes the loop.
   *
   * @throws EmbedError `OVERLOADED` when full, `STOPPED` after close.
   */
  push(event: TEvent): void {
    if (this.#closed) throw new EmbedError({ code: 'STOPPED', message: 'server is closed' });
    if (this.#events.length >= this.#countMax) {
      throw new EmbedError({
        code: 'OVERLOADED',
        message: `server inbox is full (${this.#countMax} events); retry later`,
      });
    }
    this.#events.push(event);
    this.#wakeUp();
  }

  /** Queues `event` even when full: for events the loop must not lose (ticks, peer messages are not). */
  pushUrgent(event: TEvent): void {
    if (this.#closed) return;
    this.#events.push(event);
    this.#wakeUp();
  }

  /** Takes every queued event, oldest first. */
  drain(): TEvent[] {
    const events = this.#events;
    this.#events = [];
    return events;
  }

  /** Resolves when an event is queued or the inbox closes (at once if either is already so). */
  wait(): Promise<void> {
    if (this.#events.length > 0 || this.#closed) return Promise.resolve();
    return new Promise((resolve) => (this.#wake = resolve));
  }

  /** Refuses further events and wakes the loop so it can stop. */
  close(): void {
    this.#closed = true;
    this.#wakeUp();
  }

  /** Whether `close` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
