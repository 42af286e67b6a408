// Named defaults and hard caps of the durable Raft log (STYLE.md §8). Relationships between them
// are asserted when the module loads.
import { assert } from './assert.js';

/** Default byte budget of the in-memory cache of recent entries (counted by `entrySizeBytes`). */
export const cacheBytesDefault = 8 * 1024 * 1024;
/** Hard cap of `cacheBytesMax`. */
export const cacheBytesCap = 1024 * 1024 * 1024;

/**
 * Default quota of stored log bytes (entry records plus the snapshot record); a write that would
 * pass it fails with `FULL` before anything is written. 8 GiB, like etcd's largest suggested
 * backend quota.
 */
export const logBytesDefault = 8 * 1024 * 1024 * 1024;
/** Hard cap of `logBytesMax`: LMDB maps the whole file, so keep it within 64-bit address space. */
export const logBytesCap = 1024 * 1024 * 1024 * 1024;

/** Initial LMDB map size in bytes; lmdb-js grows the map by itself as the file grows. */
export const mapBytesInitial = 64 * 1024 * 1024;

/** Default and cap of writes waiting for the next transaction before `save` fails `OVERLOADED`. */
export const pendingOpsDefault: number = 4096;
/** Hard cap of `pendingOpsMax`. */
export const pendingOpsCap: number = 1_000_000;

/** Largest entry payload accepted, in bytes (LMDB stores it in overflow pages). */
export const entryDataBytesMax = 64 * 1024 * 1024;

/** Largest snapshot payload stored with the snapshot metadata, in bytes. */
export const snapshotDataBytesMax = 256 * 1024 * 1024;

assert(cacheBytesDefault <= cacheBytesCap, 'cache default must be within its cap');
assert(logBytesDefault <= logBytesCap, 'log quota default must be within its cap');
assert(pendingOpsDefault <= pendingOpsCap, 'pending ops default must be within its cap');
assert(entryDataBytesMax < logBytesDefault, 'one entry must fit in the default quota');
assert(snapshotDataBytesMax < logBytesDefault, 'a snapshot must fit in the default quota');
