import { randomBytes } from 'node:crypto';
import type { RandomSource } from '@keel/raft-core';

/**
 * Raft's election jitter source: a small xorshift128+ generator seeded once from node:crypto
 * (STYLE.md §7: randomness enters at the edge, raft-core itself draws none). One per server, so
 * servers in one process share no state.
 */
export function createRandomSource(seed: Uint8Array = randomBytes(16)): RandomSource {
  const mask = 0xffff_ffff_ffff_ffffn;
  const view = Buffer.from(seed.buffer, seed.byteOffset, seed.byteLength);
  // Neither state word may be zero; setting a low bit guarantees it.
  let a = view.readBigUInt64LE(0) | 1n;
  let b = view.readBigUInt64LE(8) | 2n;
  const next = (): bigint => {
    let s1 = a;
    const s0 = b;
    a = s0;
    s1 ^= (s1 << 23n) & mask;
    b = s1 ^ s0 ^ (s1 >> 17n) ^ (s0 >> 26n);
    return (b + s0) & mask;
  };
  return {
    nextInt(maxExclusive: number): number {
      // 53 random bits scaled down: the bias is below 2^-30 for any election range.
      return Math.floor((Number(next() >> 11n) / 2 ** 53) * maxExclusive);
    },
  };
}
