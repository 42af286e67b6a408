// Reading the log back from LMDB: the metadata records, and a verifying scan over every entry
// record when the log is opened, so damage anywhere in the log is reported at open rather than
// when raft first reaches it. The same range reader serves later reads of entries not cached.
import type { Entry, HardState, Snapshot } from '@keel/raft-core';
import type { Database } from 'lmdb';
import { AssertionError } from './assert.js';
import type { EntryCache } from './entry-cache.js';
import { decodeEntryRecord } from './entry-record.js';
import { corruptAt, isWalError, WalError } from './errors.js';
import { decodeIndexKey, encodeIndexKey } from './index-key.js';
import { isResourceError, type WalEnv } from './lmdb-env.js';
import type { LogState } from './log-plan.js';
import { decodeHardState, decodeLogRange, decodeSnapshot, metaKeys } from './meta-record.js';

/** What `loadLog` found. */
export interface LoadedLog {
  readonly state: LogState;
  /** Bytes of all entry records. */
  readonly entryBytes: number;
  /** Bytes of the snapshot record (0 when none is stored). */
  readonly snapshotBytes: number;
  /** Whether the log range record exists (it is written with the first batch). */
  readonly rangeStored: boolean;
}

const emptyHardState: HardState = { term: 0, vote: 0, commit: 0 };
const emptySnapshot: Snapshot = {
  data: new Uint8Array(0),
  metadata: {
    index: 0,
    term: 0,
    confState: { voters: [], learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false },
  },
};

/**
 * Reads the metadata and verifies every entry record, filling `cache` with the log's tail.
 * @throws WalError `CORRUPT` naming the first damaged index or record.
 */
export function loadLog(env: WalEnv, cache: EntryCache): LoadedLog {
  const hardState = readMeta(env.meta, metaKeys.hardState, decodeHardState) ?? emptyHardState;
  const snapRaw = readMetaRaw(env.meta, metaKeys.snapshot);
  const snapshot = snapRaw === undefined ? emptySnapshot : decodeSnapshot(snapRaw);
  const stored = readMeta(env.meta, metaKeys.logRange, decodeLogRange);
  const { start, lastIndex } = stored ?? { start: { index: 0, term: 0 }, lastIndex: 0 };
  // Nothing may be stored outside the recorded range: not before it (a compaction left behind)
  // and not after it (entries the range does not vouch for).
  const below = firstKeyIn(env.entries, { end: encodeIndexKey(start.index + 1) });
  if (below !== undefined) throw corruptAt(decodeIndexKey(below), 'stored before the log start');
  const above = firstKeyIn(env.entries, { start: encodeIndexKey(lastIndex + 1) });
  if (above !== undefined) throw corruptAt(decodeIndexKey(above), 'stored past the last index');
  let entryBytes = 0;
  // The range is finite, so a scan that ends early (a missing entry, or a damaged page that
  // cuts LMDB's iteration short) is reported as CORRUPT naming the first missing index.
  readEntryRecords(env.entries, { lo: start.index + 1, hi: lastIndex + 1 }, (e, n) => {
    cache.append([e]);
    entryBytes += n;
    return true;
  });
  return {
    state: { start, lastIndex, hardState, snapshot },
    entryBytes,
    snapshotBytes: snapRaw?.byteLength ?? 0,
    rangeStored: stored !== undefined,
  };
}

function firstKeyIn(
  db: Database<unknown, Buffer>,
  range: { readonly start?: Buffer; readonly end?: Buffer },
): Buffer | undefined {
  try {
    for (const key of db.getKeys({ ...range, limit: 1 })) return key;
  } catch (e) {
    if (isResourceError(e)) throw e;
    throw new WalError({ code: 'CORRUPT', message: 'raft log index keys unreadable', cause: e });
  }
  return undefined;
}

function readMetaRaw(db: Database<Buffer, Buffer>, key: Buffer): Buffer | undefined {
  try {
    return db.getBinary(key);
  } catch (e) {
    if (isResourceError(e)) throw e;
    throw new WalError({
      code: 'CORRUPT',
      message: `raft log ${key.toString()} unreadable`,
      cause: e,
    });
  }
}

function readMeta<T>(
  db: Database<Buffer, Buffer>,
  key: Buffer,
  decode: (b: Uint8Array) => T,
): T | undefined {
  const raw = readMetaRaw(db, key);
  return raw === undefined ? undefined : decode(raw);
}

/**
 * Calls `visit(entry, recordBytes)` for each stored entry in `[lo, hi)` in order, until it
 * returns false (then returns false) or `hi` is reached (then returns true). `[lo, hi)` must
 * be within the log: an entry missing from it is damage.
 * @throws WalError `CORRUPT` naming the index of a damaged record, a gap or an unreadable page.
 */
export function readEntryRecords(
  db: Database<Uint8Array, Buffer>,
  range: { readonly lo: number; readonly hi: number },
  visit: (entry: Entry, recordBytes: number) => boolean,
): boolean {
  let expected = range.lo;
  const end = encodeIndexKey(range.hi);
  try {
    const iter = db.getRange({ start: encodeIndexKey(range.lo), end });
    for (const { key, value } of iter) {
      const index = decodeIndexKey(key);
      if (index !== expected) {
        throw corruptAt(expected, index < 0 ? 'its key is damaged' : `missing, next is ${index}`);
      }
      if (!visit(decodeEntryRecord(value, index), value.byteLength)) return false;
      expected++;
    }
  } catch (e) {
    if (isWalError(e) || e instanceof AssertionError || isResourceError(e)) throw e;
    // Anything else LMDB throws while reading is damage in its pages: a damaged page shows up
    // as its corruption codes, but also as MDB_BAD_TXN ("invalid dupdata flag") or lmdb-js's
    // "invalid key size", as the corruption test found.
    throw corruptAt(expected, 'LMDB could not read it', e);
  }
  if (expected < range.hi) throw corruptAt(expected, 'missing');
  return true;
}
