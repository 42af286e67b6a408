/** Cancels a scheduled callback; calling it twice is harmless. */
export type Cancel = () => void;

/**
 * Time as embed sees it. Every timeout and tick goes through a `Clock`, so a simulator can run
 * the server on virtual time later.
 */
export interface Clock {
  /** Milliseconds on a monotonic scale (not wall time). */
  nowMs(): number;
  /** Runs `fn` once after `delayMs`. */
  after(delayMs: number, fn: () => void): Cancel;
  /** Runs `fn` every `intervalMs` until cancelled. */
  every(intervalMs: number, fn: () => void): Cancel;
}

/** The real clock: `performance.now()` and Node's timers, unref'd so they never hold the process. */
export const systemClock: Clock = {
  nowMs: () => performance.now(),
  after(delayMs, fn) {
    const t = setTimeout(fn, delayMs);
    t.unref();
    return () => {
      clearTimeout(t);
    };
  },
  every(intervalMs, fn) {
    const t = setInterval(fn, intervalMs);
    t.unref();
    return () => {
      clearInterval(t);
    };
  },
};
