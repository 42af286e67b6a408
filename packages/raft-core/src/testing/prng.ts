import { assert } from '../assert.js';
import type { RandomSource } from '../types.js';

/** A seeded pseudo-random generator: the only randomness tests and the simulator use. */
export interface Prng extends RandomSource {
  /** A float in `[0, 1)`. */
  nextFloat(): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
}

// sfc32 (Chris Doty-Humphrey's small fast counting generator), seeded through splitmix32 so that
// nearby seeds give unrelated streams. 32-bit arithmetic only: the same stream on every engine.
function splitmix32(state: number): [number, number] {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return [next, (z ^ (z >>> 16)) >>> 0];
}

/** Creates a deterministic generator; the same `seed` always yields the same sequence. */
export function createPrng(seed: number): Prng {
  assert(Number.isSafeInteger(seed), 'seed must be a safe integer');
  let s = (seed ^ Math.floor(seed / 0x100000000)) | 0;
  const words: number[] = [];
  for (let i = 0; i < 4; i++) {
    const [next, word] = splitmix32(s);
    s = next;
    words.push(word);
  }
  let [a, b, c, d] = words as [number, number, number, number];
  const nextUint32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  const nextFloat = (): number => nextUint32() / 0x100000000;
  return {
    nextFloat,
    nextInt(maxExclusive: number): number {
      assert(Number.isSafeInteger(maxExclusive) && maxExclusive > 0, 'maxExclusive must be > 0');
      return Math.floor(nextFloat() * maxExclusive);
    },
    chance: (p: number): boolean => nextFloat() < p,
  };
}
