// Writes the msgpack of a message tuple's fixed fields by hand: one exact-size buffer per message,
// no intermediate arrays and no general-purpose packer on the send path. What it writes is plain
// msgpack (codec.ts describes the tuple), so any msgpack reader decodes it: unsigned integers in
// their shortest form (up to uint64), any other number as float64 (the receiver's gateway check
// refuses it), booleans, nil, arrays, and bin32 headers.

/** Bytes the msgpack form of `v` takes. */
export function numberBytes(v: number): number {
  if (!Number.isSafeInteger(v) || v < 0) return 9;
  if (v < 0x80) return 1;
  if (v < 0x100) return 2;
  if (v < 0x10000) return 3;
  return v <= 0xffffffff ? 5 : 9;
}

/** A cursor writing msgpack into a buffer sized in advance. */
export class TupleWriter {
  offset = 0;

  constructor(readonly buf: Buffer) {}

  /** Writes `v` as the shortest unsigned integer, or as float64 when it is not one. */
  number(v: number): void {
    // Byte stores keep the low eight bits; small and inlinable, the rare forms are elsewhere.
    const { buf } = this;
    const at = this.offset;
    if (v >= 0 && v < 0x80 && Number.isInteger(v)) {
      buf[at] = v;
      this.offset = at + 1;
    } else if (v >= 0x80 && v <= 0xffffffff && Number.isInteger(v)) {
      this.uint32(v);
    } else {
      this.wide(v);
    }
  }

  private uint32(v: number): void {
    const { buf } = this;
    const at = this.offset;
    if (v < 0x100) {
      buf[at] = 0xcc;
      buf[at + 1] = v;
      this.offset = at + 2;
    } else if (v < 0x10000) {
      buf[at] = 0xcd;
      buf[at + 1] = v >>> 8;
      buf[at + 2] = v;
      this.offset = at + 3;
    } else {
      buf[at] = 0xce;
      buf[at + 1] = v >>> 24;
      buf[at + 2] = v >>> 16;
      buf[at + 3] = v >>> 8;
      buf[at + 4] = v;
      this.offset = at + 5;
    }
  }

  /** uint64 for safe integers past 32 bits, float64 for anything else. */
  private wide(v: number): void {
    const { buf } = this;
    const at = this.offset;
    if (Number.isSafeInteger(v) && v >= 0) {
      buf[at] = 0xcf;
      buf.writeUInt32BE(Math.floor(v / 0x100000000), at + 1);
      buf.writeUInt32BE(v >>> 0, at + 5);
    } else {
      buf[at] = 0xcb;
      buf.writeDoubleBE(v, at + 1);
    }
    this.offset = at + 9;
  }

  /** Writes `v` as a number, or nil when it is undefined. */
  maybeNumber(v: number | undefined): void {
    if (v === undefined) this.buf[this.offset++] = 0xc0;
    else this.number(v);
  }

  boolean(v: boolean): void {
    this.buf[this.offset++] = v ? 0xc3 : 0xc2;
  }

  /** Writes the shortest array header for `count` items. */
  arrayHeader(count: number): void {
    const { buf, offset } = this;
    if (count < 16) {
      buf[offset] = 0x90 | count;
      this.offset += 1;
    } else if (count < 0x10000) {
      buf[offset] = 0xdc;
      buf.writeUInt16BE(count, offset + 1);
      this.offset += 3;
    } else {
      buf[offset] = 0xdd;
      buf.writeUInt32BE(count, offset + 1);
      this.offset += 5;
    }
  }

  /** Writes a bin32 header for `sizeBytes` bytes that the caller sends right after. */
  binHeader(sizeBytes: number): void {
    this.buf[this.offset] = 0xc6;
    this.buf.writeUInt32BE(sizeBytes, this.offset + 1);
    this.offset += 5;
  }

  bytes(b: Uint8Array): void {
    this.buf.set(b, this.offset);
    this.offset += b.byteLength;
  }
}

/** Bytes of the array header TupleWriter writes for `count` items. */
export function arrayHeaderBytes(count: number): number {
  if (count < 16) return 1;
  return count < 0x10000 ? 3 : 5;
}

/** Bytes of a bin32 header. */
export const binHeaderBytes = 5;
