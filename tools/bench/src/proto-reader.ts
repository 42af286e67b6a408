// Just enough protobuf and gRPC framing to read the few answers the benchmark looks into (the
// leader in StatusResponse, keys in RangeResponse, events in WatchResponse), without a protobuf
// library on the generator's hot path. Field numbers are etcd's (api/etcdserverpb/rpc.proto).

/** One field of a protobuf message: varints as bigint (member ids are uint64), the rest as bytes. */
export type ProtoValue = bigint | Buffer;

function readVarint(buf: Buffer, at: number): { value: bigint; next: number } {
  let value = 0n;
  let shift = 0n;
  let i = at;
  // A varint is at most 10 bytes; a longer one (or a cut-off one) is malformed.
  for (let n = 0; n < 10; n++) {
    const byte = buf[i++];
    if (byte === undefined) throw new Error(`protobuf: varint cut off at byte ${at}`);
    value |= BigInt(byte & 0x7f) << shift;
    if (byte < 0x80) return { value, next: i };
    shift += 7n;
  }
  throw new Error(`protobuf: varint longer than 10 bytes at byte ${at}`);
}

/** A varint known to be small (a tag or a length): read as a number, without BigInt. */
function readSmallVarint(buf: Buffer, at: number): { value: number; next: number } {
  let value = 0;
  let scale = 1;
  let i = at;
  // Seven bytes hold 49 bits: any tag or length of a message we can hold in memory.
  for (let n = 0; n < 7; n++) {
    const byte = buf[i++];
    if (byte === undefined) throw new Error(`protobuf: varint cut off at byte ${at}`);
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return { value, next: i };
    scale *= 128;
  }
  throw new Error(`protobuf: tag or length too long at byte ${at}`);
}

/**
 * Calls `visit(fieldNumber, value)` for each top-level field of the message in `buf`, in order.
 * Wire types 0 (varint), 1 (64-bit), 2 (bytes) and 5 (32-bit) are read; groups are refused.
 */
export function forEachField(buf: Buffer, visit: (field: number, value: ProtoValue) => void): void {
  let at = 0;
  while (at < buf.length) {
    const tag = readSmallVarint(buf, at);
    const field = Math.floor(tag.value / 8);
    const wireType = tag.value % 8;
    at = tag.next;
    if (wireType === 0) {
      const v = readVarint(buf, at);
      visit(field, v.value);
      at = v.next;
    } else if (wireType === 2) {
      const len = readSmallVarint(buf, at);
      const end = len.next + len.value;
      if (end > buf.length) throw new Error(`protobuf: field ${field} runs past the message`);
      visit(field, buf.subarray(len.next, end));
      at = end;
    } else if (wireType === 1 || wireType === 5) {
      const size = wireType === 1 ? 8 : 4;
      visit(field, buf.subarray(at, at + size));
      at += size;
    } else {
      throw new Error(`protobuf: wire type ${wireType} of field ${field} is not supported`);
    }
  }
}

/** The first varint field `field` of `buf`, or 0n when absent. */
export function varintField(buf: Buffer, field: number): bigint {
  let found: bigint | undefined;
  forEachField(buf, (f, v) => {
    if (f === field && typeof v === 'bigint') found ??= v;
  });
  return found ?? 0n;
}

/** Every length-delimited field `field` of `buf`, in order. */
export function bytesFields(buf: Buffer, field: number): Buffer[] {
  const out: Buffer[] = [];
  forEachField(buf, (f, v) => {
    if (f === field && typeof v !== 'bigint') out.push(v);
  });
  return out;
}

/**
 * How many times field `field` occurs at the top level of `buf` (e.g. events, field 11, in a
 * WatchResponse). Reads only tags and lengths, so it is cheap enough for every watch message.
 */
export function countField(buf: Buffer, field: number): number {
  let count = 0;
  forEachField(buf, (f) => {
    if (f === field) count++;
  });
  return count;
}

/** The message of a unary gRPC answer (its one frame without the 5-byte header). */
export function unaryMessage(reply: Buffer): Buffer {
  return reply.subarray(5, 5 + (reply.length >= 5 ? reply.readUInt32BE(1) : 0));
}

/**
 * Splits a gRPC response stream into messages: each is a 5-byte header (compressed flag, 32-bit
 * big-endian length) and the message. Chunks may cut anywhere; `push` returns whole messages.
 */
export class GrpcMessageReader {
  #pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    const buf = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    const out: Buffer[] = [];
    let at = 0;
    while (buf.length - at >= 5) {
      if (buf[at] !== 0) throw new Error('gRPC: compressed messages are not supported');
      const end = at + 5 + buf.readUInt32BE(at + 1);
      if (end > buf.length) break;
      out.push(buf.subarray(at + 5, end));
      at = end;
    }
    this.#pending = buf.subarray(at);
    return out;
  }
}
