// The member table a leader's snapshot carries in front of the store's stream. etcd keeps its
// members in the backend, so a snapshot copies them with the data; Keel keeps them in
// cluster.json, so the sender puts the table, taken in the same turn as the store's read
// transaction (both at the same applied index), at the head of the body:
//   "KEELMBR1", [length u32 BE], [the table as JSON, `length` bytes], then kv-mvcc's stream.
// The receiver installs the table in the same crash-safe sequence as the store (snapshot-files.ts).
import { closeSync, openSync, readSync } from 'node:fs';
import { assert } from './assert.js';
import type { ClusterFile, ClusterMember } from './cluster-file.js';
import { EmbedError } from './errors.js';
import { snapshotHeadBytesMax } from './limits.js';

const magic = Buffer.from('KEELMBR1');
const prefixBytes = magic.length + 4;

/** The replicated part of cluster.json: what a snapshot carries (not the member's identity). */
export interface MemberTable {
  readonly members: readonly ClusterMember[];
  readonly removed: readonly number[];
  /** The index of the last membership entry the table holds. */
  readonly appliedIndex: number;
  readonly base: readonly ClusterMember[];
}

/** The table of `file`. */
export function memberTableOf(file: ClusterFile): MemberTable {
  return {
    members: file.members,
    removed: file.removed ?? [],
    appliedIndex: file.appliedIndex ?? 0,
    base: file.base ?? file.members,
  };
}

/** `file` with its table replaced by `table` (its identity kept). */
export function withMemberTable(file: ClusterFile, table: MemberTable): ClusterFile {
  const { members, removed, appliedIndex, base } = table;
  return {
    memberId: file.memberId,
    clusterId: file.clusterId,
    members,
    removed,
    appliedIndex,
    base,
  };
}

/** The head of a snapshot body carrying `table`. */
export function encodeSnapshotHead(table: MemberTable): Buffer {
  const json = Buffer.from(JSON.stringify(table));
  assert(json.length <= snapshotHeadBytesMax, 'the member table fits a snapshot head');
  const length = Buffer.allocUnsafe(4);
  length.writeUInt32BE(json.length);
  return Buffer.concat([magic, length, json]);
}

function damaged(path: string, what: string): EmbedError {
  return new EmbedError({
    code: 'DATA_DIR_DAMAGED',
    message: `the received snapshot ${path} has ${what}; remove the file and let the leader send it again`,
  });
}

function isMember(m: unknown): m is ClusterMember {
  const x = m as Partial<ClusterMember> | null;
  return (
    typeof x === 'object' &&
    x !== null &&
    Number.isSafeInteger(x.id) &&
    (x.id ?? 0) > 0 &&
    typeof x.name === 'string' &&
    Array.isArray(x.peerUrls) &&
    x.peerUrls.every((u) => typeof u === 'string')
  );
}

/** The gateway check of a table read from a snapshot (STYLE.md §8); undefined when malformed. */
function checkTable(v: unknown): MemberTable | undefined {
  const t = v as Partial<MemberTable> | null;
  if (typeof t !== 'object' || t === null) return undefined;
  const { members, removed, appliedIndex, base } = t;
  if (!Array.isArray(members) || !members.every(isMember)) return undefined;
  if (!Array.isArray(base) || !base.every(isMember)) return undefined;
  if (!Array.isArray(removed) || !removed.every((id) => Number.isSafeInteger(id))) return undefined;
  if (!Number.isSafeInteger(appliedIndex) || (appliedIndex ?? -1) < 0) return undefined;
  return { members, removed, appliedIndex: appliedIndex ?? 0, base };
}

function readAt(fd: number, o: { position: number; bytes: number }): Buffer {
  const buf = Buffer.alloc(o.bytes);
  const n = readSync(fd, buf, 0, o.bytes, o.position);
  return buf.subarray(0, n);
}

/**
 * Reads the member table at the head of the snapshot file at `path`, and where the store's
 * stream starts. @throws EmbedError DATA_DIR_DAMAGED when the head is missing or malformed.
 */
export function readSnapshotHead(path: string): { table: MemberTable; storeOffset: number } {
  const fd = openSync(path, 'r');
  try {
    const prefix = readAt(fd, { position: 0, bytes: prefixBytes });
    if (prefix.length < prefixBytes || !prefix.subarray(0, magic.length).equals(magic)) {
      throw damaged(path, 'no member table at its head');
    }
    const length = prefix.readUInt32BE(magic.length);
    if (length > snapshotHeadBytesMax) throw damaged(path, 'a member table that is too large');
    const json = readAt(fd, { position: prefixBytes, bytes: length });
    if (json.length < length) throw damaged(path, 'a truncated member table');
    let parsed: unknown;
    try {
      parsed = JSON.parse(json.toString('utf8'));
    } catch {
      throw damaged(path, 'a member table that is not JSON');
    }
    const table = checkTable(parsed);
    if (table === undefined) throw damaged(path, 'a malformed member table');
    return { table, storeOffset: prefixBytes + length };
  } finally {
    closeSync(fd);
  }
}
