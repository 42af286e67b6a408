// A small seeded pseudo-random generator (SplitMix32 over a 32-bit state), so a run's choices
// (operations, keys, fault kinds, targets and timings) come from the seed printed at its start.
import { assert } from '../assert.js';

/** Seeded randomness; the same seed gives the same sequence. */
export class Prng {
  #state: number;

  constructor(seed: number) {
    assert(Number.isSafeInteger(seed) && seed >= 0, 'seed must be a safe integer >= 0');
    this.#state = seed >>> 0 || 0x9e3779b9;
  }

  /** A number in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x9e3779b9) >>> 0;
    let z = this.#state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return ((z ^ (z >>> 16)) >>> 0) / 2 ** 32;
  }

  /** An integer in [0, maxExclusive). */
  int(maxExclusive: number): number {
    assert(Number.isSafeInteger(maxExclusive) && maxExclusive > 0, 'maxExclusive must be > 0');
    return Math.floor(this.next() * maxExclusive);
  }

  /** An integer in [lo, hi]. */
  between(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    assert(item !== undefined, 'pick needs a non-empty list');
    return item;
  }

  /** A new generator whose sequence depends on this one's (for independent streams). */
  fork(): Prng {
    return new Prng(this.int(2 ** 31));
  }
}
