// The stored form of the log's metadata: HardState, the snapshot (metadata, ConfState and data)
// and the log range (the index and term of the last compacted entry, and the last index). Each is one MessagePack
// body behind a CRC-32 and a version byte, and is validated field by field when read (the
// gateway check of STYLE.md §8): after that the log trusts it.
//
//   offset  bytes  field
//   0       4      crc32 of bytes [4, end), big-endian
//   4       1      format version (1)
//   5       n      MessagePack body
import { crc32 } from 'node:zlib';
import { Packr } from 'msgpackr';
import type { ConfState, HardState, Snapshot } from '@keel/raft-core';
import { WalError } from './errors.js';

/** The index and term of the entry just before the first one kept: the log's dummy entry. */
export interface LogStart {
  readonly index: number;
  readonly term: number;
}

/** Names of the metadata records; each is also its LMDB key. */
export const metaKeys = {
  hardState: Buffer.from('hardState'),
  snapshot: Buffer.from('snapshot'),
  logRange: Buffer.from('logRange'),
} as const;

const formatVersion = 1;
const headerBytes = 5;

// One module-level codec with every option explicit (STYLE.md §6): plain maps and arrays, no
// shared structures or records (each record decodes alone), numbers stay numbers.
const packr = new Packr({
  useRecords: false,
  structuredClone: false,
  moreTypes: false,
  bundleStrings: false,
  mapsAsObjects: true,
  int64AsType: 'number',
});

function corruptMeta(name: string, what: string, cause?: unknown): WalError {
  return new WalError({ code: 'CORRUPT', message: `raft log ${name} is damaged: ${what}`, cause });
}

function encodeMeta(body: unknown): Buffer {
  const packed = packr.pack(body);
  const out = Buffer.allocUnsafe(headerBytes + packed.byteLength);
  out[4] = formatVersion;
  out.set(packed, headerBytes);
  out.writeUInt32BE(crc32(out.subarray(4)), 0);
  return out;
}

function decodeMeta(bytes: Uint8Array, name: string): Record<string, unknown> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.byteLength < headerBytes) throw corruptMeta(name, 'record is shorter than a header');
  if (buf.readUInt32BE(0) !== crc32(buf.subarray(4))) throw corruptMeta(name, 'checksum mismatch');
  if (buf[4] !== formatVersion) throw corruptMeta(name, `unknown format version ${String(buf[4])}`);
  let body: unknown;
  try {
    body = packr.unpack(buf.subarray(headerBytes));
  } catch (e) {
    throw corruptMeta(name, 'undecodable body', e);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw corruptMeta(name, 'body is not a map');
  }
  return body as Record<string, unknown>;
}

function uint(body: Record<string, unknown>, field: string, name: string): number {
  const v = body[field];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw corruptMeta(name, `${field} is not a safe unsigned integer`);
  }
  return v;
}

function uintList(body: Record<string, unknown>, field: string, name: string): number[] {
  const v = body[field];
  if (!Array.isArray(v)) throw corruptMeta(name, `${field} is not a list`);
  return v.map((_, i) => uint(v as unknown as Record<string, unknown>, String(i), name));
}

/** Encodes a HardState record. */
export function encodeHardState(hs: HardState): Buffer {
  return encodeMeta({ term: hs.term, vote: hs.vote, commit: hs.commit });
}

/** Decodes a HardState record. @throws WalError `CORRUPT` naming the record. */
export function decodeHardState(bytes: Uint8Array): HardState {
  const body = decodeMeta(bytes, 'hardState');
  const hs = {
    term: uint(body, 'term', 'hardState'),
    vote: uint(body, 'vote', 'hardState'),
    commit: uint(body, 'commit', 'hardState'),
  };
  return hs;
}

/**
 * The log's index range: its start (the last compacted entry) and its last index. Stored with
 * every batch that changes either, so that entries lost from the end or the start of the
 * B-tree (a damaged page can make LMDB's iteration end early) are detected at open.
 */
export interface LogRange {
  readonly start: LogStart;
  readonly lastIndex: number;
}

/** Encodes a log range record. */
export function encodeLogRange(range: LogRange): Buffer {
  return encodeMeta({ index: range.start.index, term: range.start.term, last: range.lastIndex });
}

/** Decodes a log range record. @throws WalError `CORRUPT` naming the record. */
export function decodeLogRange(bytes: Uint8Array): LogRange {
  const name = 'logRange';
  const body = decodeMeta(bytes, name);
  const start = { index: uint(body, 'index', name), term: uint(body, 'term', name) };
  const lastIndex = uint(body, 'last', name);
  if (lastIndex < start.index) throw corruptMeta(name, 'last index is before the start');
  return { start, lastIndex };
}

/** Encodes a snapshot record: metadata, ConfState and data. */
export function encodeSnapshot(snap: Snapshot): Buffer {
  const cs = snap.metadata.confState;
  return encodeMeta({
    index: snap.metadata.index,
    term: snap.metadata.term,
    voters: cs.voters,
    learners: cs.learners,
    votersOutgoing: cs.votersOutgoing,
    learnersNext: cs.learnersNext,
    autoLeave: cs.autoLeave,
    data: snap.data,
  });
}

/** Decodes a snapshot record. @throws WalError `CORRUPT` naming the record. */
export function decodeSnapshot(bytes: Uint8Array): Snapshot {
  const name = 'snapshot';
  const body = decodeMeta(bytes, name);
  const data = body['data'];
  if (!(data instanceof Uint8Array)) throw corruptMeta(name, 'data is not bytes');
  if (typeof body['autoLeave'] !== 'boolean') throw corruptMeta(name, 'autoLeave is not boolean');
  const confState: ConfState = {
    voters: uintList(body, 'voters', name),
    learners: uintList(body, 'learners', name),
    votersOutgoing: uintList(body, 'votersOutgoing', name),
    learnersNext: uintList(body, 'learnersNext', name),
    autoLeave: body['autoLeave'],
  };
  return {
    data: new Uint8Array(data),
    metadata: { index: uint(body, 'index', name), term: uint(body, 'term', name), confState },
  };
}
