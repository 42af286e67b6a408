import { assert } from './assert.js';

/** A fixed-size set of small non-negative integers, one bit each. */
export class Bitset {
  readonly #words: Uint32Array;

  constructor(size: number) {
    assert(Number.isSafeInteger(size) && size >= 0, 'bitset size must be a safe integer >= 0');
    this.#words = new Uint32Array(Math.ceil(size / 32));
  }

  /** Adds `i`. */
  set(i: number): void {
    const w = i >>> 5;
    this.#words[w] = (this.#words[w] ?? 0) | (1 << (i & 31));
  }

  /** Removes `i`. */
  clear(i: number): void {
    const w = i >>> 5;
    this.#words[w] = (this.#words[w] ?? 0) & ~(1 << (i & 31));
  }

  /** True when `i` is in the set. */
  has(i: number): boolean {
    return ((this.#words[i >>> 5] ?? 0) & (1 << (i & 31))) !== 0;
  }

  /**
   * A compact copy for the memo table. A search over a history in invocation order linearizes
   * roughly a prefix plus a window, so the copy keeps the count of leading all-ones words and the
   * words from there to the last non-zero one: O(window) memory per entry instead of O(n).
   */
  snapshot(): BitsetSnapshot {
    const words = this.#words;
    let lo = 0;
    while (lo < words.length && words[lo] === 0xffffffff) lo++;
    let hi = words.length;
    while (hi > lo && words[hi - 1] === 0) hi--;
    return { fullWords: lo, words: words.slice(lo, hi) };
  }

  /** True when the set holds exactly the bits of `snap` (a `snapshot` of a same-size set). */
  equals(snap: BitsetSnapshot): boolean {
    const words = this.#words;
    const lo = snap.fullWords;
    const hi = lo + snap.words.length;
    for (let w = 0; w < lo; w++) if (words[w] !== 0xffffffff) return false;
    for (let w = lo; w < hi; w++) if (words[w] !== snap.words[w - lo]) return false;
    for (let w = hi; w < words.length; w++) if (words[w] !== 0) return false;
    return true;
  }
}

/** A compact copy of a `Bitset`: `fullWords` all-ones words, then `words`, then zeros. */
export interface BitsetSnapshot {
  readonly fullWords: number;
  readonly words: Uint32Array;
}

/**
 * Two 32-bit pseudo-random words for element `i` (a splitmix-style mix of the index). XORing them
 * over a set's members gives a hash that is updated in O(1) when one member comes or goes
 * (Zobrist hashing), so the search never rehashes the whole set.
 */
export function zobrist(i: number): readonly [number, number] {
  let a = Math.imul(i + 0x9e3779b9, 0x85ebca6b);
  a = Math.imul(a ^ (a >>> 13), 0xc2b2ae35);
  a ^= a >>> 16;
  let b = Math.imul((i ^ 0x5bd1e995) + 0x7f4a7c15, 0x27d4eb2f);
  b = Math.imul(b ^ (b >>> 15), 0x165667b1);
  b ^= b >>> 13;
  return [a >>> 0, b >>> 0];
}
