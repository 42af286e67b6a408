// Unsigned LEB128 varints for safe integers (7 bits per byte, low bits first, the high bit set on
// every byte but the last): the numbers in rev records and key-index records are mostly small
// (versions, sub revisions, deltas between revisions), so most take one byte.
import { assert } from './assert.js';

/** Bytes a varint of `n` takes (1 for n < 128, at most 8 for a safe integer). */
export function varintBytes(n: number): number {
  if (n < 0x80) return 1;
  let bytes = 1;
  let rest = n;
  while (rest >= 0x80) {
    rest = Math.floor(rest / 0x80);
    bytes++;
  }
  return bytes;
}

/** Writes `n` (a safe non-negative integer) at `offset`; returns the offset after it. */
export function writeVarint(buf: Uint8Array, offset: number, n: number): number {
  if (n >>> 0 === n && n < 0x80) {
    buf[offset] = n; // the common case, one byte
    return offset + 1;
  }
  assert(Number.isSafeInteger(n) && n >= 0, 'varint must be a safe non-negative integer');
  let pos = offset;
  let rest = n;
  while (rest >= 0x80) {
    buf[pos++] = (rest % 0x80) | 0x80;
    rest = Math.floor(rest / 0x80);
  }
  buf[pos++] = rest;
  return pos;
}

/** A position in a stored byte string that decoders advance; every read checks its bounds. */
export class ByteReader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    pos = 0,
  ) {
    this.pos = pos;
  }

  /** Reads a varint written by `writeVarint` (the gateway check: bounded, a safe integer). */
  varint(): number {
    let n = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.buf[this.pos++];
      assert(b !== undefined, 'stored varint ends inside the record');
      n += (b & 0x7f) * scale;
      if (b < 0x80) {
        assert(Number.isSafeInteger(n), 'stored varint is a safe integer');
        return n;
      }
      scale *= 0x80;
    }
    assert(false, 'stored varint is at most 8 bytes');
  }

  /** The next `length` bytes, as a view (no copy). */
  bytes(length: number): Uint8Array {
    assert(this.pos + length <= this.buf.length, 'stored bytes end inside the record');
    const b = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
    return b;
  }

  /** True when every byte has been read. */
  get done(): boolean {
    return this.pos === this.buf.length;
  }
}
