// The LMDB key of a log entry: its index as an unsigned 64-bit big-endian integer, so that LMDB's
// bytewise key order is the numeric order of indexes (a < b  <=>  key(a) < key(b)).
import { assert } from './assert.js';

/** Bytes in an index key. */
export const indexKeyBytes = 8;

const two32 = 0x1_0000_0000;

/** Encodes a raft index (a safe non-negative integer) as an 8-byte big-endian key. */
export function encodeIndexKey(index: number): Buffer {
  if (!(Number.isSafeInteger(index) && index >= 0)) {
    assert(false, `index ${String(index)} is not a safe uint`);
  }
  return writeIndexKey(Buffer.allocUnsafe(indexKeyBytes), index);
}

/**
 * Writes the key of `index` (a safe non-negative integer, unchecked) into `key` and returns it:
 * for a loop that hands each key to LMDB, which copies it at once.
 */
export function writeIndexKey(key: Buffer, index: number): Buffer {
  const hi = Math.floor(index / two32);
  const lo = index >>> 0;
  key[0] = hi >>> 24;
  key[1] = hi >>> 16;
  key[2] = hi >>> 8;
  key[3] = hi;
  key[4] = lo >>> 24;
  key[5] = lo >>> 16;
  key[6] = lo >>> 8;
  key[7] = lo;
  return key;
}

/**
 * Decodes an index key, or returns -1 when `key` is not a well-formed key of a safe integer
 * (a damaged key is the caller's to report, with the index it expected).
 */
export function decodeIndexKey(key: Uint8Array): number {
  if (key.byteLength !== indexKeyBytes) return -1;
  const view = new DataView(key.buffer, key.byteOffset, key.byteLength);
  const index = view.getUint32(0) * two32 + view.getUint32(4);
  return Number.isSafeInteger(index) ? index : -1;
}
