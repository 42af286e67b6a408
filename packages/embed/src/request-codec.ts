// The payload of a normal Raft entry: etcd's InternalRaftRequest in Keel's shape, a request ID
// (so the proposing member can settle the caller's promise when the entry is applied) and one
// kv-mvcc request or member request; and the context of a conf change entry: the request ID and
// the member it adds. One module-level Packr with explicit options (STYLE.md §6).
//
// A put, the request nearly every entry carries, has a fixed binary layout instead (msgpack's
// generic walk over the request object was ~7% of a member's CPU under load):
//   0   1  tag 0x01 (a msgpack payload starts with 0x92, a two-element array)
//   1   1  flags: 1 prevKv, 2 ignoreValue, 4 ignoreLease, 8 lease present
//   2   1  id length n (ASCII)
//   3   n  id
//   .   8  lease, float64 big-endian (when flag 8)
//   .   4  key length k, big-endian; then k bytes of key
//   .   4  value length v, big-endian; then v bytes of value
import type { ApplyRequest, PutRequest } from '@keel/kv-mvcc';
import { randomBytes } from 'node:crypto';
import { Packr } from 'msgpackr';
import { assert } from './assert.js';
import type { ClusterMember } from './cluster-file.js';
import type { MemberRequest } from './membership.js';

const packr = new Packr({ useRecords: false, int64AsType: 'number', mapsAsObjects: true });

/** A request as it travels through the Raft log. */
export interface InternalRequest {
  /** Unique per cluster: the proposing member's ID and a counter (see `RequestIds`). */
  readonly id: string;
  readonly request: ApplyRequest | MemberRequest;
}

/** True when `request` changes membership rather than the store. */
export function isMemberRequest(request: ApplyRequest | MemberRequest): request is MemberRequest {
  return 'memberAttrs' in request || 'memberUpdate' in request;
}

/** What a conf change entry's context carries. */
export interface ConfChangeContext {
  readonly id: string;
  /** The member added (its attributes); absent for a promotion or a removal. */
  readonly member?: ClusterMember;
}

/** Encodes a conf change context. */
export function encodeConfContext(c: ConfChangeContext): Uint8Array {
  return packr.pack([c.id, c.member ?? null]);
}

/** Decodes a context written by `encodeConfContext`; a malformed one is a bug (asserted). */
export function decodeConfContext(data: Uint8Array): ConfChangeContext {
  const decoded: unknown = packr.unpack(data);
  assert(Array.isArray(decoded) && decoded.length === 2, 'conf context is not [id, member]');
  const id: unknown = decoded[0];
  const member: unknown = decoded[1];
  assert(typeof id === 'string', 'conf context id is not a string');
  if (member === null) return { id };
  assert(typeof member === 'object', 'conf context member is not an object');
  const m = member as ClusterMember;
  assert(Number.isSafeInteger(m.id) && m.id > 0, 'conf context member id');
  assert(Array.isArray(m.peerUrls), 'conf context member peerUrls');
  return { id, member: m };
}

const putTag = 0x01;
const putFlags = { prevKv: 1, ignoreValue: 2, ignoreLease: 4, lease: 8 } as const;

/** Encodes `r` as an entry payload. */
export function encodeRequest(r: InternalRequest): Uint8Array {
  if ('put' in r.request) return encodePut(r.id, r.request.put);
  return packr.pack([r.id, r.request]);
}

function encodePut(id: string, put: PutRequest): Uint8Array {
  assert(id.length <= 255, 'request ids are short');
  const hasLease = put.lease !== undefined && put.lease !== 0;
  const size = 3 + id.length + (hasLease ? 8 : 0) + 8 + put.key.byteLength + put.value.byteLength;
  const out = Buffer.allocUnsafe(size);
  out[0] = putTag;
  out[1] =
    (put.prevKv === true ? putFlags.prevKv : 0) |
    (put.ignoreValue === true ? putFlags.ignoreValue : 0) |
    (put.ignoreLease === true ? putFlags.ignoreLease : 0) |
    (hasLease ? putFlags.lease : 0);
  out[2] = out.write(id, 3, 'latin1');
  let at = 3 + id.length;
  if (hasLease) at = out.writeDoubleBE(put.lease ?? 0, at);
  at = out.writeUInt32BE(put.key.byteLength, at);
  out.set(put.key, at);
  at = out.writeUInt32BE(put.value.byteLength, at + put.key.byteLength);
  out.set(put.value, at);
  return out;
}

function decodePut(data: Uint8Array): InternalRequest {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const flags = buf[1] ?? 0;
  const idLength = buf[2] ?? 0;
  const id = buf.toString('latin1', 3, 3 + idLength);
  let at = 3 + idLength;
  const lease = (flags & putFlags.lease) !== 0 ? buf.readDoubleBE(at) : undefined;
  if (lease !== undefined) at += 8;
  const keyLength = buf.readUInt32BE(at);
  const key = data.subarray(at + 4, at + 4 + keyLength);
  at += 4 + keyLength;
  const valueLength = buf.readUInt32BE(at);
  assert(at + 4 + valueLength === data.byteLength, 'put payload has the length it says');
  const value = data.subarray(at + 4);
  const put: PutRequest = {
    key,
    value,
    lease,
    prevKv: (flags & putFlags.prevKv) !== 0,
    ignoreValue: (flags & putFlags.ignoreValue) !== 0,
    ignoreLease: (flags & putFlags.ignoreLease) !== 0,
  };
  return { id, request: { put } };
}

/** Decodes an entry payload written by `encodeRequest`; a malformed payload is a bug (asserted). */
export function decodeRequest(data: Uint8Array): InternalRequest {
  if (data[0] === putTag) return decodePut(data);
  const decoded: unknown = packr.unpack(data);
  assert(Array.isArray(decoded) && decoded.length === 2, 'entry payload is not [id, request]');
  const [id, request] = decoded as [unknown, unknown];
  assert(typeof id === 'string', 'entry request id is not a string');
  assert(typeof request === 'object' && request !== null, 'entry request is not an object');
  return { id, request: request as ApplyRequest | MemberRequest };
}

/** Makes request IDs unique in the cluster: the member's ID in hex, then a counter. */
export class RequestIds {
  readonly #prefix: string;
  #next = 0;
  constructor(memberId: number) {
    // A random part keeps IDs of a restarted member apart from those of its earlier life.
    this.#prefix = `${memberId.toString(16)}.${randomBytes(6).toString('hex')}.`;
  }
  next(): string {
    this.#next += 1;
    return this.#prefix + this.#next.toString(36);
  }
}
