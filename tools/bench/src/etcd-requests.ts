// Pre-encoded etcd v3 requests for the load generator. Only the few fields a benchmark sets are
// encoded, by hand, so the generator spends its CPU on sending rather than on a protobuf library.
// Field numbers are etcd's (api/etcdserverpb/rpc.proto): PutRequest key=1, value=2;
// RangeRequest key=1, serializable=7.

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

function bytesField(fieldNumber: number, bytes: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([(fieldNumber << 3) | 2, ...varint(bytes.length)]), bytes]);
}

/** Wraps a protobuf message in gRPC's length-prefixed frame (uncompressed). */
export function grpcFrame(message: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt8(0, 0);
  header.writeUInt32BE(message.length, 1);
  return Buffer.concat([header, message]);
}

/** A framed `PutRequest { key, value }`. */
export function encodePut(key: Uint8Array, value: Uint8Array): Buffer {
  return grpcFrame(Buffer.concat([bytesField(1, key), bytesField(2, value)]));
}

/** A framed `RangeRequest { key, serializable }`. */
export function encodeRange(key: Uint8Array, serializable: boolean): Buffer {
  const parts = [bytesField(1, key)];
  if (serializable) parts.push(Buffer.from([(7 << 3) | 0, 1]));
  return grpcFrame(Buffer.concat(parts));
}
