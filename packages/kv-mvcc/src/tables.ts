// The LMDB environment of a store and its tables (see encoding.ts for the row layouts), with the
// meta values every other module reads and writes.
import { open, type Database, type RootDatabase } from 'lmdb';
import { assert } from './assert.js';
import { MvccError } from './errors.js';
import { decodeKeyIndex, encodeKeyIndex, type KeyIndex } from './key-index.js';
import { asBuffer, readU64, u64Bytes } from './encoding.js';

/** The tables of one store. Every table has binary keys and binary values. */
export interface Tables {
  readonly env: RootDatabase<Buffer, Buffer>;
  readonly rev: Database<Buffer, Buffer>;
  readonly index: Database<Buffer, Buffer>;
  readonly lease: Database<Buffer, Buffer>;
  readonly leaseKey: Database<Buffer, Buffer>;
  readonly meta: Database<Buffer, Buffer>;
  /** Where the index table ends, as this process knows it (see `getKeyIndex`). */
  readonly indexEnd: IndexEnd;
}

/**
 * The greatest key of the index table, kept in memory so that a put of a key above it (keys
 * written in increasing order: sequence numbers, timestamps, a bulk load) needs no lookup and is
 * appended (LMDB's MDB_APPEND: no search, full pages). Invariant: at or above the table's
 * greatest key (a rolled-back write can leave it above, which only costs a lookup); `null` for
 * an empty table, `undefined` when unknown (read again on demand).
 */
export interface IndexEnd {
  key: Buffer | null | undefined;
}

/** Forgets where the index ends (after a write that bypassed `putKeyIndex`, e.g. a snapshot). */
export function forgetIndexEnd(t: Tables): void {
  t.indexEnd.key = undefined;
}

const appendRow = { append: true } as const;

/** lmdb-js's putSync as it is: it returns false for a refused append (its type says void). */
interface AppendingDatabase {
  putSync(key: Buffer, value: Buffer, options: typeof appendRow): boolean;
}

/**
 * Writes a row whose key sorts after every key of `db` with LMDB's append (no search; pages are
 * filled instead of split in half). LMDB refuses any other key, which is asserted.
 */
export function appendSync(db: Database<Buffer, Buffer>, key: Buffer, value: Buffer): void {
  assert(
    (db as unknown as AppendingDatabase).putSync(key, value, appendRow),
    'an appended row sorts after every row of its table',
  );
}

/** Names of the tables, in snapshot order (the position is the table's number in a snapshot). */
export const tableNames = ['rev', 'index', 'lease', 'leaseKey', 'meta'] as const;

/** Options of `openTables`. */
export interface OpenTablesOptions {
  readonly path: string;
  readonly mapSizeBytes: number;
  readonly unsafeNoSync: boolean;
}

/** Opens (creating when absent) the environment at `path` with every option explicit. */
export function openTables(opts: OpenTablesOptions): Tables {
  const env = open<Buffer, Buffer>({
    path: opts.path,
    maxDbs: 8,
    mapSize: opts.mapSizeBytes,
    encoding: 'binary',
    keyEncoding: 'binary',
    // transactionSync commits durably unless the test-only unsafeNoSync is set (STYLE.md §6).
    // overlappingSync: an asynchronous transaction commits on LMDB's write thread and flushes
    // after it, with meta pages that keep the last flushed state valid after a machine crash
    // (LMDB refuses it together with noSync).
    noSync: opts.unsafeNoSync,
    overlappingSync: !opts.unsafeNoSync,
    useVersions: false,
    compression: false,
    cache: false,
  });
  const sub = (name: string): Database<Buffer, Buffer> =>
    env.openDB<Buffer, Buffer>({ name, encoding: 'binary', keyEncoding: 'binary', cache: false });
  return {
    env,
    rev: sub('rev'),
    index: sub('index'),
    lease: sub('lease'),
    leaseKey: sub('leaseKey'),
    meta: sub('meta'),
    indexEnd: { key: undefined },
  };
}

/** Meta rows. Numbers are stored as u64. */
export const metaKeys = {
  /** Raft index of the last applied entry (etcd's consistent index). */
  consistentIndex: Buffer.from('consistentIndex'),
  /** The store's current revision. Invariant: only increases. */
  currentRev: Buffer.from('currentRev'),
  /** Revisions below this are compacted (reads fail COMPACTED). */
  compactRev: Buffer.from('compactRev'),
  /** Physical removal has finished up to this revision. Invariant: <= compactRev. */
  physicalCompactRev: Buffer.from('physicalCompactRev'),
  /** Rev-table key where physical removal resumes. */
  compactCursor: Buffer.from('compactCursor'),
  /** The smallest lease ID the store may choose next. */
  nextLeaseId: Buffer.from('nextLeaseId'),
  /** The raised alarms: a packed list of [memberID, alarm]. */
  alarms: Buffer.from('alarms'),
  /** The on-disk format of the rows (`storeFormat`), written when the store is created. */
  format: Buffer.from('format'),
} as const;

/**
 * The row layouts this version writes and reads (encoding.ts, key-index.ts). 3: 8-byte rev keys
 * for sub revision 0. 2: varint rev and key-index records, 16-byte rev keys. Format 1 (msgpack
 * records) had no format row.
 */
export const storeFormat = 3;

function isEmpty(t: Tables): boolean {
  for (const name of tableNames) {
    for (const _ of t[name].getKeys({ limit: 1 })) return false;
  }
  return true;
}

/**
 * Checks that the store is in `storeFormat`, writing the format row into a store without rows.
 * @throws MvccError FORMAT_UNSUPPORTED
 */
export function checkFormat(t: Tables, path: string): void {
  const b = t.meta.get(metaKeys.format);
  if (b === undefined && isEmpty(t)) {
    t.env.transactionSync(() => {
      putMetaNumber(t, metaKeys.format, storeFormat);
    });
    return;
  }
  const format = b === undefined ? 1 : b.length === 8 ? readU64(b, 0) : -1;
  if (format === storeFormat) return;
  throw new MvccError({
    code: 'FORMAT_UNSUPPORTED',
    message:
      `the store at ${path} is in on-disk format ${String(format)}, this version reads format ` +
      `${String(storeFormat)} only: open it with the version that wrote it, or remove the ` +
      'directory and let the member receive a snapshot from its peers',
  });
}

/** Reads a u64 meta row, 0 when absent. */
export function getMetaNumber(t: Tables, key: Buffer): number {
  const b = t.meta.get(key);
  if (b === undefined) return 0;
  assert(b.length === 8, 'numeric meta row is 8 bytes');
  return readU64(b, 0);
}

/**
 * The store's current revision. A store that has never written is at revision 1, not 0, as in
 * etcd (its mvcc store starts its current revision at 1), so the first write gets revision 2.
 * This matters beyond cosmetics: etcd's client lock and election recipes read keys created before
 * "revision - 1", and a bound of 0 means "no bound" to a Range, so numbering from 0 makes them
 * wait forever on an empty store.
 */
export function readCurrentRevision(t: Tables): number {
  const b = t.meta.get(metaKeys.currentRev);
  if (b === undefined) return 1;
  assert(b.length === 8, 'numeric meta row is 8 bytes');
  return readU64(b, 0);
}

/** Writes a u64 meta row (inside a write transaction). */
export function putMetaNumber(t: Tables, key: Buffer, n: number): void {
  t.meta.putSync(key, u64Bytes(n));
}

/** True when `key` sorts after every key of the index table (so it has no record there). */
function isAfterIndexEnd(t: Tables, key: Buffer): boolean {
  if (t.indexEnd.key === undefined) {
    t.indexEnd.key = null;
    for (const last of t.index.getKeys({ reverse: true, limit: 1 })) {
      t.indexEnd.key = Buffer.from(last);
    }
  }
  const end = t.indexEnd.key;
  return end === null || compareKeys(key, end) > 0;
}

/** `Buffer.compare` for the short keys of the index, without a call into C++ per put. */
function compareKeys(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/**
 * Reads a key's index record (inside a write transaction: it sees the transaction's writes). A
 * key after the end of the index has none, and is not looked up.
 */
export function getKeyIndex(t: Tables, key: Uint8Array): KeyIndex | undefined {
  const k = asBuffer(key);
  if (isAfterIndexEnd(t, k)) return undefined;
  // The fast read returns LMDB's shared read buffer, valid until the next read: decoded at once.
  const b = t.index.getBinaryFast(k);
  return b === undefined ? undefined : decodeKeyIndex(b);
}

/** Writes (or, for undefined, removes) a key's index record. */
export function putKeyIndex(t: Tables, key: Uint8Array, ki: KeyIndex | undefined): void {
  const k = asBuffer(key);
  if (ki === undefined) {
    t.index.removeSync(k);
    // Removing another key leaves the end above the table's greatest key, which is allowed.
    const end = t.indexEnd.key;
    if (end !== null && end !== undefined && end.equals(k)) forgetIndexEnd(t);
  } else if (isAfterIndexEnd(t, k)) {
    appendSync(t.index, k, encodeKeyIndex(ki));
    t.indexEnd.key = Buffer.from(k); // a copy: the caller may reuse its key's bytes
  } else {
    t.index.putSync(k, encodeKeyIndex(ki));
  }
}

/** Pages of one LMDB tree, as lmdb-js's getStats reports them. */
interface TreeStats {
  readonly treeBranchPageCount: number;
  readonly treeLeafPageCount: number;
  readonly overflowPages: number;
}

const treePages = (s: TreeStats): number =>
  s.treeBranchPageCount + s.treeLeafPageCount + s.overflowPages;

/** Pages holding data: every table's tree, LMDB's main and free-list trees, two meta pages. */
export function dbPagesInUse(t: Tables): number {
  const env = t.env.getStats() as TreeStats & { free: TreeStats };
  let pages = 2 + treePages(env) + treePages(env.free);
  for (const name of tableNames) pages += treePages(t[name].getStats() as TreeStats);
  return pages;
}
