// Goal: waiting requests settle exactly once, time out with TIMEOUT, are bounded with OVERLOADED,
// and are all rejected at close. Method: a manual Clock (a real implementation of the interface
// whose time the test advances) drives the time limits without sleeping.
import { describe, expect, it } from 'vitest';
import type { Clock } from './clock.js';
import { EmbedError, isEmbedError } from './errors.js';
import { PendingRequests } from './pending-requests.js';

function manualClock(): Clock & { advance(ms: number): void } {
  let now = 0;
  const timers: { at: number; fn: () => void; live: boolean }[] = [];
  return {
    nowMs: () => now,
    after(delayMs, fn) {
      const t = { at: now + delayMs, fn, live: true };
      timers.push(t);
      return () => {
        t.live = false;
      };
    },
    every: () => () => undefined,
    advance(ms) {
      now += ms;
      for (const t of timers.filter((x) => x.live && x.at <= now)) {
        t.live = false;
        t.fn();
      }
    },
  };
}

describe('PendingRequests', () => {
  it('resolves a waiting request once and reports later settlements as stale', async () => {
    const p = new PendingRequests<number>({ clock: manualClock(), countMax: 4, timeoutMs: 1000 });
    const outcome = p.wait('a');
    expect(p.resolve('a', 7)).toBe(true);
    expect(p.resolve('a', 8)).toBe(false);
    expect(await outcome).toBe(7);
    expect(p.size).toBe(0);
  });

  it('times out with TIMEOUT and forgets the request', async () => {
    const clock = manualClock();
    const p = new PendingRequests<number>({ clock, countMax: 4, timeoutMs: 1000 });
    const outcome = p.wait('a');
    clock.advance(999);
    expect(p.size).toBe(1);
    clock.advance(1);
    await expect(outcome).rejects.toSatisfy((e) => isEmbedError(e, 'TIMEOUT'));
    expect(p.resolve('a', 1)).toBe(false);
  });

  it('times each request out at its own deadline, with one timer for all', async () => {
    const clock = manualClock();
    const p = new PendingRequests<number>({ clock, countMax: 4, timeoutMs: 1000 });
    const a = p.wait('a');
    clock.advance(400);
    const b = p.wait('b');
    clock.advance(600);
    await expect(a).rejects.toSatisfy((e) => isEmbedError(e, 'TIMEOUT'));
    expect(p.size).toBe(1);
    clock.advance(399);
    expect(p.size).toBe(1);
    clock.advance(1);
    await expect(b).rejects.toSatisfy((e) => isEmbedError(e, 'TIMEOUT'));
    expect(p.size).toBe(0);
    // Emptied, then used again: the timer is armed anew.
    const c = p.wait('c');
    clock.advance(1000);
    await expect(c).rejects.toSatisfy((e) => isEmbedError(e, 'TIMEOUT'));
  });

  it('refuses more than countMax with OVERLOADED and rejects all at close', async () => {
    const p = new PendingRequests<number>({ clock: manualClock(), countMax: 2, timeoutMs: 1000 });
    const a = p.wait('a');
    const b = p.wait('b');
    expect(() => p.wait('c')).toThrow(expect.objectContaining({ code: 'OVERLOADED' }));
    p.rejectAll(new EmbedError({ code: 'STOPPED' }));
    await expect(a).rejects.toSatisfy((e) => isEmbedError(e, 'STOPPED'));
    await expect(b).rejects.toSatisfy((e) => isEmbedError(e, 'STOPPED'));
    expect(p.size).toBe(0);
  });
});
