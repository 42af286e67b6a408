// Goal: the reconnect delay doubles per attempt from the base to the cap, and its jitter spans
// exactly the upper half of the ceiling.
import { describe, expect, it } from 'vitest';
import { reconnectDelayMs } from './peer-link.js';

describe('reconnectDelayMs', () => {
  const limits = { reconnectBaseMs: 100, reconnectMaxMs: 1000 };
  it('doubles up to the cap, jittered within [ceiling / 2, ceiling)', () => {
    const low = [0, 1, 2, 3, 4, 40].map((a) => reconnectDelayMs(a, limits, () => 0));
    const high = [0, 1, 2, 3, 4, 40].map((a) => reconnectDelayMs(a, limits, () => 0.999));
    expect(low).toEqual([50, 100, 200, 400, 500, 500]);
    expect(high.map(Math.floor)).toEqual([99, 199, 399, 799, 999, 999]);
  });
});
