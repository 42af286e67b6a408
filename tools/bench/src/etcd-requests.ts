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

/**
 * A framed `RangeRequest { key, range_end, keys_only }` over every key starting with `prefix`
 * (etcd's prefix end: the prefix with its last byte plus one), keys only.
 */
export function encodeRangePrefixKeys(prefix: Uint8Array): Buffer {
  return grpcFrame(
    Buffer.concat([
      bytesField(1, prefix),
      bytesField(2, prefixEnd(prefix)),
      Buffer.from([(8 << 3) | 0, 1]),
    ]),
  );
}

/**
 * A framed `TxnRequest` whose success branch puts every pair (RequestOp.request_put = 2,
 * TxnRequest.success = 2), with no compare: the bulk loader's request.
 */
export function encodeTxnPuts(pairs: readonly { key: Uint8Array; value: Uint8Array }[]): Buffer {
  const ops = pairs.map((p) =>
    bytesField(2, bytesField(2, Buffer.concat([bytesField(1, p.key), bytesField(2, p.value)]))),
  );
  return grpcFrame(Buffer.concat(ops));
}

/** A framed `WatchRequest { create_request { key, range_end } }` for every key under `prefix`. */
export function encodeWatchPrefix(prefix: Uint8Array): Buffer {
  const create = Buffer.concat([bytesField(1, prefix), bytesField(2, prefixEnd(prefix))]);
  return grpcFrame(bytesField(1, create));
}

/** A framed empty `StatusRequest` (Maintenance/Status). */
export function encodeStatus(): Buffer {
  return grpcFrame(Buffer.alloc(0));
}

/** etcd's range end for a prefix: the shortest key greater than every key with the prefix. */
function prefixEnd(prefix: Uint8Array): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    const byte = end[i] ?? 0;
    if (byte < 0xff) {
      end[i] = byte + 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]); // every byte 0xff: etcd's "to the end of the keyspace"
}
