// Goal: the seeded generator is deterministic per seed, differs across seeds, and stays in range.
import { describe, expect, it } from 'vitest';
import { createPrng } from './prng.js';

describe('createPrng', () => {
  it('replays the same sequence for the same seed and another for another seed', () => {
    const draw = (seed: number) =>
      Array.from({ length: 8 }, createPrng(seed).nextInt.bind(null, 1000));
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it('draws integers within [0, max) covering the whole range', () => {
    const prng = createPrng(7);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const v = prng.nextInt(10);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(10);
      seen.add(v);
    }
    expect(seen.size).toBe(10);
  });
});
