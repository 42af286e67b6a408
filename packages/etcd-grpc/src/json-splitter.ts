// Splits a byte stream of concatenated JSON objects (`{...}{...}` or one per line, as a
// grpc-gateway client streams requests) into the text of each object, without parsing them:
// it tracks brace depth outside strings. Chunks may cut an object anywhere, even inside a
// multi-byte UTF-8 character, because the split happens on bytes and only ASCII bytes matter.

const openBrace = 0x7b;
const closeBrace = 0x7d;
const quote = 0x22;
const backslash = 0x5c;

function isJsonSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/** One piece of the stream: an object's text, or bytes that cannot start one. */
export type JsonPiece =
  { readonly ok: true; readonly text: string } | { readonly ok: false; readonly reason: string };

/** Splits concatenated JSON objects; each object may be at most `objectBytesMax` bytes. */
export class JsonObjectSplitter {
  readonly #objectBytesMax: number;
  #parts: Buffer[] = [];
  #partBytes = 0;
  #depth = 0;
  #inString = false;
  #escaped = false;
  #failed = false;

  constructor(objectBytesMax: number) {
    this.#objectBytesMax = objectBytesMax;
  }

  /**
   * Feeds `chunk`; returns the objects it completes, in order. After a failure (bytes outside
   * an object that are not whitespace, or an object over the limit) it returns nothing more.
   */
  push(chunk: Buffer): JsonPiece[] {
    const pieces: JsonPiece[] = [];
    let start = -1; // where the current object starts in `chunk`, when it starts here
    if (this.#depth > 0) start = 0;
    for (let i = 0; i < chunk.length && !this.#failed; i++) {
      const byte = chunk[i] ?? 0;
      if (this.#depth === 0) {
        if (isJsonSpace(byte)) continue;
        if (byte !== openBrace) {
          pieces.push(
            this.#fail(
              `json: expected an object, found ${JSON.stringify(String.fromCharCode(byte))}`,
            ),
          );
          break;
        }
        start = i;
      }
      if (!this.#step(byte)) continue;
      const last = chunk.subarray(start, i + 1);
      start = -1;
      if (this.#partBytes + last.length > this.#objectBytesMax) {
        pieces.push(this.#fail(`json: an object exceeds ${this.#objectBytesMax} bytes`));
        break;
      }
      pieces.push({ ok: true, text: this.#take(last) });
    }
    if (start >= 0 && !this.#failed) this.#keep(chunk.subarray(start), pieces);
    return pieces;
  }

  /** Advances the scanner over one byte of an object; true when it closes the object. */
  #step(byte: number): boolean {
    if (this.#inString) {
      if (this.#escaped) this.#escaped = false;
      else if (byte === backslash) this.#escaped = true;
      else if (byte === quote) this.#inString = false;
      return false;
    }
    if (byte === quote) this.#inString = true;
    else if (byte === openBrace) this.#depth++;
    else if (byte === closeBrace) this.#depth--;
    return this.#depth === 0;
  }

  #keep(part: Buffer, pieces: JsonPiece[]): void {
    this.#partBytes += part.length;
    if (this.#partBytes > this.#objectBytesMax) {
      pieces.push(this.#fail(`json: an object exceeds ${this.#objectBytesMax} bytes`));
      return;
    }
    this.#parts.push(Buffer.from(part));
  }

  #take(last: Buffer): string {
    const text = Buffer.concat([...this.#parts, last]).toString('utf8');
    this.#parts = [];
    this.#partBytes = 0;
    return text;
  }

  #fail(reason: string): JsonPiece {
    this.#failed = true;
    this.#parts = [];
    return { ok: false, reason };
  }
}
