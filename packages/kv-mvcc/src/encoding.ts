// Byte layouts of the rows the store keeps in LMDB, and byte-string helpers.
//
// rev table:   revKey(main, sub) -> RevRecord       (etcd's "key" bucket: every change, by revision)
// index table: user key          -> KeyIndexRecord  (etcd's keyIndex, kept in LMDB, see key-index.ts)
// lease table: u64(ID)           -> LeaseRecord
// lease-key:   u64(ID) ++ key    -> empty           (the keys attached to a lease, sorted)
// meta table:  name              -> value           (consistent index, revisions, alarms)
//
// A revision key is main as a big-endian u64, followed by sub as another when sub > 0 (most
// revisions change one key: 8 bytes instead of 16). Byte order is revision order, a key sorting
// before the longer keys it begins: a < b <=> enc(a) < enc(b).
import { Packr } from 'msgpackr';
import { assert } from './assert.js';
import { ByteReader, varintBytes, writeVarint } from './varint.js';

/** One codec for every structured row: no shared record structures, so rows are self-contained
 * and equal inputs give equal bytes on every member. */
export const packr = new Packr({ useRecords: false, int64AsType: 'number', mapsAsObjects: false });

const twoPow32 = 2 ** 32;

/** Writes a safe non-negative integer as a big-endian u64 at `offset`. */
export function writeU64(buf: Uint8Array, offset: number, n: number): void {
  assert(Number.isSafeInteger(n) && n >= 0, 'u64 must be a safe non-negative integer');
  const hi = Math.floor(n / twoPow32);
  const lo = n >>> 0;
  buf[offset] = hi >>> 24;
  buf[offset + 1] = (hi >>> 16) & 0xff;
  buf[offset + 2] = (hi >>> 8) & 0xff;
  buf[offset + 3] = hi & 0xff;
  buf[offset + 4] = lo >>> 24;
  buf[offset + 5] = (lo >>> 16) & 0xff;
  buf[offset + 6] = (lo >>> 8) & 0xff;
  buf[offset + 7] = lo & 0xff;
}

/** Reads a big-endian u64 written by `writeU64`. */
export function readU64(buf: Uint8Array, offset: number): number {
  const hi =
    (buf[offset] ?? 0) * 0x1000000 +
    ((buf[offset + 1] ?? 0) << 16) +
    (((buf[offset + 2] ?? 0) << 8) | (buf[offset + 3] ?? 0));
  const lo =
    (buf[offset + 4] ?? 0) * 0x1000000 +
    ((buf[offset + 5] ?? 0) << 16) +
    (((buf[offset + 6] ?? 0) << 8) | (buf[offset + 7] ?? 0));
  const n = hi * twoPow32 + lo;
  assert(Number.isSafeInteger(n), 'stored u64 must be a safe integer');
  return n;
}

/** A u64 as 8 bytes. */
export function u64Bytes(n: number): Buffer {
  const b = Buffer.allocUnsafe(8);
  writeU64(b, 0, n);
  return b;
}

/** The rev table key of revision (main, sub): 8 bytes when sub is 0, else 16. */
export function revKey(main: number, sub: number): Buffer {
  const b = Buffer.allocUnsafe(sub === 0 ? 8 : 16);
  writeU64(b, 0, main);
  if (sub !== 0) writeU64(b, 8, sub);
  return b;
}

/** The (main, sub) of a rev table key written by `revKey`. */
export function decodeRevKey(b: Uint8Array): { main: number; sub: number } {
  if (b.length === 8) return { main: readU64(b, 0), sub: 0 };
  assert(b.length === 16, 'rev key is 8 or 16 bytes');
  const sub = readU64(b, 8);
  assert(sub > 0, 'a 16-byte rev key has sub > 0');
  return { main: readU64(b, 0), sub };
}

/**
 * One change as stored in the rev table: a put's full key-value or a delete's tombstone
 * (`tombstone` true, with createRevision, version, lease 0 and an empty value, as etcd stores it).
 */
export interface RevRecord {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
  readonly createRevision: number;
  readonly version: number;
  readonly lease: number;
  readonly tombstone: boolean;
}

const tombstoneBit = 1;
const leaseBit = 2;

/**
 * Encodes the rev record of a change at main revision `main` (the row's key holds it), as
 * varints then bytes: [keyLength * 4 + lease bit * 2 + tombstone bit] and, for a put,
 * [version][main - createRevision][lease, when the lease bit is set]; then the key, then the
 * value (the rest of the row). A put that creates its key stores 0 for the creation, so a record
 * is the key and value plus 3 bytes in the common case.
 */
export function encodeRevRecord(r: RevRecord, main: number): Buffer {
  const hasLease = r.lease !== 0;
  const head = r.key.length * 4 + (hasLease ? leaseBit : 0) + (r.tombstone ? tombstoneBit : 0);
  let size = varintBytes(head) + r.key.length + r.value.length;
  if (r.tombstone) {
    assert(r.value.length === 0 && !hasLease && r.version === 0, 'a tombstone carries nothing');
  } else {
    assert(r.createRevision > 0 && r.createRevision <= main, 'a put was created by then');
    size += varintBytes(r.version) + varintBytes(main - r.createRevision);
    if (hasLease) size += varintBytes(r.lease);
  }
  const b = Buffer.allocUnsafe(size);
  let pos = writeVarint(b, 0, head);
  if (!r.tombstone) {
    pos = writeVarint(b, pos, r.version);
    pos = writeVarint(b, pos, main - r.createRevision);
    if (hasLease) pos = writeVarint(b, pos, r.lease);
  }
  b.set(r.key, pos);
  b.set(r.value, pos + r.key.length);
  return b;
}

/**
 * Decodes and checks a rev record read from storage (the gateway check); `main` is its row's
 * main revision. Key and value are views of `b`.
 */
export function decodeRevRecord(b: Uint8Array, main: number): RevRecord {
  const rd = new ByteReader(b);
  const head = rd.varint();
  const tombstone = (head & tombstoneBit) !== 0;
  let version = 0;
  let createRevision = 0;
  let lease = 0;
  if (!tombstone) {
    version = rd.varint();
    createRevision = main - rd.varint();
    if ((head & leaseBit) !== 0) lease = rd.varint();
    assert(version > 0 && createRevision > 0, 'a stored put has a version and a creation');
  }
  const key = rd.bytes(Math.floor(head / 4));
  const value = rd.bytes(b.length - rd.pos);
  assert(!tombstone || value.length === 0, 'a stored tombstone has no value');
  return { key, value, createRevision, version, lease, tombstone };
}

/** Compares byte strings lexicographically, as etcd compares keys. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}

/** True when the two byte strings are equal. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/** A Buffer view of `b` without copying (LMDB takes Buffers as binary keys). */
export function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * A `[lo, hi)` key interval with etcd's conventions: `rangeEnd` undefined or empty is the single
 * key; `rangeEnd` = [0] is every key >= `key` (`hi` undefined).
 */
export interface KeyInterval {
  readonly lo: Buffer;
  /** Exclusive end; undefined means no end. */
  readonly hi: Buffer | undefined;
  readonly single: boolean;
}

/** Builds the interval of a request's `key` and `rangeEnd`. */
export function keyInterval(key: Uint8Array, rangeEnd: Uint8Array | undefined): KeyInterval {
  const lo = asBuffer(key);
  if (rangeEnd === undefined || rangeEnd.length === 0) return { lo, hi: undefined, single: true };
  if (rangeEnd.length === 1 && rangeEnd[0] === 0) return { lo, hi: undefined, single: false };
  return { lo, hi: asBuffer(rangeEnd), single: false };
}

/** True when `k` lies in the interval. */
export function intervalContains(iv: KeyInterval, k: Uint8Array): boolean {
  if (iv.single) return bytesEqual(iv.lo, k);
  if (compareBytes(k, iv.lo) < 0) return false;
  return iv.hi === undefined || compareBytes(k, iv.hi) < 0;
}
