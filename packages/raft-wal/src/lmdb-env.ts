// Opening the log's LMDB environment with every option that affects durability or encoding set
// explicitly (STYLE.md §6), and telling "the disk is full" apart from other LMDB failures.
import { constants } from 'node:os';
import { open } from 'lmdb';
import type { Database, RootDatabase } from 'lmdb';
import { WalError } from './errors.js';
import { mapBytesInitial } from './limits.js';

/** The environment and its two databases. */
export interface WalEnv {
  readonly root: RootDatabase<Buffer, Buffer>;
  /** Index key (8-byte big-endian) -> entry record. */
  readonly entries: Database<Uint8Array, Buffer>;
  /** Metadata name -> metadata record. */
  readonly meta: Database<Buffer, Buffer>;
}

/** The data file's name inside the log's directory (its lock file adds `-lock`). */
export const dataFileName = 'wal.mdb';

/**
 * Opens (creating if needed) the environment at `path`.
 * @throws WalError `CORRUPT` when LMDB finds its own structures damaged.
 */
export function openWalEnv(path: string, unsafeNoSync: boolean): WalEnv {
  try {
    return openWalEnvUnchecked(path, unsafeNoSync);
  } catch (e) {
    if (!isDamageError(e)) throw e;
    throw new WalError({
      code: 'CORRUPT',
      message: `raft log data file ${path} is damaged`,
      cause: e,
    });
  }
}

function openWalEnvUnchecked(path: string, unsafeNoSync: boolean): WalEnv {
  const root = open<Buffer, Buffer>({
    path,
    noSubdir: true,
    maxDbs: 4,
    mapSize: mapBytesInitial,
    // Durability: every transactionSync flushes data and meta pages before it returns.
    // overlappingSync would return before the flush, and noSync would never flush.
    overlappingSync: false,
    noSync: unsafeNoSync,
    noMetaSync: false,
    useWritemap: false,
    // Free pages are zeroed, so stale records never sit in pages a reader could reach.
    noMemInit: false,
    readOnly: false,
    // Encoding: raw bytes both ways; the log encodes and checksums its own records.
    encoding: 'binary',
    keyEncoding: 'binary',
    useVersions: false,
    cache: false,
    compression: false,
    eventTurnBatching: true,
  });
  const dbOptions = {
    encoding: 'binary',
    keyEncoding: 'binary',
    useVersions: false,
    cache: false,
    compression: false,
  } as const;
  const entries = root.openDB<Uint8Array, Buffer>('entries', dbOptions);
  const meta = root.openDB<Buffer, Buffer>('meta', dbOptions);
  return { root, entries, meta };
}

// MDB_MAP_FULL: the map cannot grow further. lmdb-js grows the map by itself, so in practice
// this comes from the address space, and ENOSPC / EDQUOT / EFBIG from the file system.
const mdbMapFull = -30792;
const fullErrnos = new Set<number | string>([
  mdbMapFull,
  constants.errno.ENOSPC,
  constants.errno.EDQUOT,
  constants.errno.EFBIG,
  'ENOSPC',
  'EDQUOT',
  'EFBIG',
  'MDB_MAP_FULL',
]);

/** True when `e` is LMDB or the OS saying there is no room for the write. */
export function isFullError(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const code = (e as { code?: unknown }).code;
  return (typeof code === 'number' || typeof code === 'string') && fullErrnos.has(code);
}

// LMDB's codes for structures it found damaged: MDB_PAGE_NOTFOUND, MDB_CORRUPTED, MDB_PANIC,
// MDB_VERSION_MISMATCH, MDB_INVALID, MDB_INCOMPATIBLE (database flags changed), MDB_BAD_VALSIZE,
// and MDB_BAD_TXN, which LMDB also raises when a node's flags are inconsistent.
const damageCodes = new Set<unknown>([
  -30797, -30796, -30795, -30794, -30793, -30784, -30782, -30781,
]);

/** True when `e` is LMDB reporting that the data file's own structure is damaged. */
export function isDamageError(e: unknown): boolean {
  return e instanceof Error && damageCodes.has((e as { code?: unknown }).code);
}

// LMDB's codes for running out of a resource rather than finding damage: MDB_READERS_FULL,
// MDB_TLS_FULL, MDB_MAP_RESIZED, and the OS's ENOMEM.
const resourceCodes = new Set<unknown>([-30790, -30789, -30785, constants.errno.ENOMEM]);

/** True when `e` is LMDB running out of readers, thread slots or memory: not damage. */
export function isResourceError(e: unknown): boolean {
  return e instanceof Error && resourceCodes.has((e as { code?: unknown }).code);
}
