// Reads a message tuple (codec.ts) straight from the frame, for the shapes TupleWriter writes:
// unsigned integers, booleans, a nil snapshot, arrays of unsigned integers and bin fields. On any
// other byte it gives up (returns undefined) without judging the input, and the caller decodes
// the rest of the frame with the general msgpack reader, which accepts or refuses it. So this
// path only ever yields what the general reader would have yielded for the same bytes; it just
// skips building that reader's intermediate values.

/**
 * Thrown inside the reader to give up on the fast path; never escapes `readMessageTuple`. Made
 * once: giving up costs no stack capture.
 */
const giveUp = new Error('not a tuple shape the fast reader knows');

const messageFieldCount = 16;
// Empty fields share one value: nothing can be written into either.
const emptyBytes = Buffer.alloc(0);
const emptyColumn: readonly number[] = Object.freeze([]);

/** A cursor over one frame's payload. */
class Cursor {
  pos: number;
  private readonly end: number;

  constructor(
    readonly buf: Buffer,
    start: number,
  ) {
    this.pos = start;
    this.end = buf.length;
  }

  /** Reserves `n` bytes and returns where they start. */
  private take(n: number): number {
    const at = this.pos;
    if (at + n > this.end) throw giveUp;
    this.pos = at + n;
    return at;
  }

  uint(): number {
    const { buf } = this;
    const b = buf[this.take(1)] as number;
    if (b < 0x80) return b;
    if (b === 0xcc) return buf[this.take(1)] as number;
    if (b === 0xcd) return this.be(this.take(2), 2);
    if (b === 0xce) return this.be(this.take(4), 4);
    if (b !== 0xcf) throw giveUp;
    const at = this.take(8);
    return this.be(at, 4) * 0x100000000 + this.be(at + 4, 4);
  }

  /** The big-endian unsigned integer of `n` (at most 4) bytes at `at`, already reserved. */
  private be(at: number, n: number): number {
    const { buf } = this;
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 0x100 + (buf[at + i] as number);
    return v;
  }

  boolean(): boolean {
    const b = this.buf[this.take(1)];
    if (b === 0xc2) return false;
    if (b === 0xc3) return true;
    throw giveUp;
  }

  nil(): null {
    if (this.buf[this.take(1)] !== 0xc0) throw giveUp;
    return null;
  }

  arrayHeader(): number {
    const { buf } = this;
    const b = buf[this.take(1)] as number;
    if (b >= 0x90 && b <= 0x9f) return b & 0x0f;
    if (b === 0xdc) return buf.readUInt16BE(this.take(2));
    if (b === 0xdd) return buf.readUInt32BE(this.take(4));
    throw giveUp;
  }

  uints(): readonly number[] {
    const count = this.arrayHeader();
    if (count === 0) return emptyColumn;
    // Every item takes at least one byte: a count beyond what is left cannot be real.
    if (count > this.end - this.pos) throw giveUp;
    const out = new Array<number>(count);
    for (let i = 0; i < count; i++) out[i] = this.uint();
    return out;
  }

  bin(): Buffer {
    const { buf } = this;
    const b = buf[this.take(1)];
    let sizeBytes: number;
    if (b === 0xc4) sizeBytes = buf[this.take(1)] as number;
    else if (b === 0xc5) sizeBytes = buf.readUInt16BE(this.take(2));
    else if (b === 0xc6) sizeBytes = buf.readUInt32BE(this.take(4));
    else throw giveUp;
    if (sizeBytes === 0) return emptyBytes;
    const at = this.take(sizeBytes);
    return buf.subarray(at, at + sizeBytes);
  }
}

/**
 * Reads the message tuple at `start` of `payload`: its sixteen values and where it ends, or
 * undefined when the bytes are not of the shapes this reader knows (see the file comment).
 */
export function readMessageTuple(
  payload: Buffer,
  start: number,
): { readonly tuple: unknown[]; readonly end: number } | undefined {
  const c = new Cursor(payload, start);
  try {
    if (c.arrayHeader() !== messageFieldCount) return undefined;
    const tuple: unknown[] = [
      c.uint(),
      c.uint(),
      c.uint(),
      c.uint(),
      c.uint(),
      c.uint(),
      c.uint(),
      c.boolean(),
      c.uint(),
      c.nil(),
      c.uints(),
      c.uints(),
      c.uints(),
      c.uints(),
      c.bin(),
      c.bin(),
    ];
    return { tuple, end: c.pos };
  } catch (e) {
    if (e === giveUp) return undefined;
    throw e;
  }
}
