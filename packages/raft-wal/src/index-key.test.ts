// Goal: index keys sort bytewise exactly as the indexes sort numerically, and round-trip.
// Method: fast-check over safe integers, including both 32-bit halves' boundaries.
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { decodeIndexKey, encodeIndexKey } from './index-key.js';

const index = fc.oneof(
  fc.nat({ max: Number.MAX_SAFE_INTEGER }),
  fc.integer({ min: 0x1_0000_0000 - 3, max: 0x1_0000_0000 + 3 }),
  fc.nat({ max: 1000 }),
);

describe('index keys', () => {
  test.prop([index, index], { numRuns: 500 })(
    'preserve order: a < b <=> key(a) < key(b)',
    (a, b) => {
      const cmp = Buffer.compare(encodeIndexKey(a), encodeIndexKey(b));
      expect(Math.sign(cmp)).toBe(Math.sign(a - b));
    },
  );

  test.prop([index], { numRuns: 200 })('round-trip', (i) => {
    expect(decodeIndexKey(encodeIndexKey(i))).toBe(i);
  });

  it('rejects keys of the wrong length or past the safe range', () => {
    expect(decodeIndexKey(new Uint8Array(7))).toBe(-1);
    expect(decodeIndexKey(new Uint8Array(8).fill(0xff))).toBe(-1);
    expect(() => encodeIndexKey(-1)).toThrow(/safe uint/);
  });
});
