// The payload of a normal Raft entry: etcd's InternalRaftRequest in Keel's shape, a request ID
// (so the proposing member can settle the caller's promise when the entry is applied) and one
// kv-mvcc request or member request; and the context of a conf change entry: the request ID and
// the member it adds. One module-level Packr with explicit options (STYLE.md §6).
import type { ApplyRequest } from '@keel/kv-mvcc';
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

/** Encodes `r` as an entry payload. */
export function encodeRequest(r: InternalRequest): Uint8Array {
  return packr.pack([r.id, r.request]);
}

/** Decodes an entry payload written by `encodeRequest`; a malformed payload is a bug (asserted). */
export function decodeRequest(data: Uint8Array): InternalRequest {
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
