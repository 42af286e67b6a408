// Goal: pause ends at once for a signal that aborts during it or had aborted before it began
// (an abort event is never sent twice, so the second case must not wait for one).
import { describe, expect, it } from 'vitest';
import { pause } from './pause.js';

describe('pause', () => {
  it('resolves at once when its signal had already aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    const started = performance.now();
    await pause(60_000, ac.signal);
    expect(performance.now() - started).toBeLessThan(30_000);
  });

  it('resolves when its signal aborts during the pause', async () => {
    const ac = new AbortController();
    const paused = pause(60_000, ac.signal);
    ac.abort();
    await paused;
  });
});
