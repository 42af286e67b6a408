// Named defaults and hard caps of the store (STYLE.md §8). Relationships are asserted at load.
import { assert } from './assert.js';

/** Most operations in one txn branch (and most compares), as etcd's `--max-txn-ops` default. */
export const txnOpsMaxDefault: number = 128;
/** Hard cap on `maxTxnOps`: a txn is applied in one turn, so its size must stay bounded. */
export const txnOpsMaxCap: number = 10_000;
/** Nesting depth of txns inside txns; etcd bounds it through the request size only. */
export const txnDepthMax: number = 16;
/** Default storage quota, as etcd's `--quota-backend-bytes` default (2 GiB). */
export const quotaBackendBytesDefault: number = 2 * 1024 * 1024 * 1024;
/** LMDB map size: the most the store's file can grow to (64 GiB of address space, not disk). */
export const mapSizeBytesDefault: number = 64 * 1024 * 1024 * 1024;
/**
 * Longest key. LMDB keys are at most 1978 bytes in lmdb-js, and the lease-key table prefixes the
 * key with an 8-byte lease ID.
 */
export const keyBytesMax: number = 1536;
/** Largest value (etcd's default request limit is 1.5 MiB for the whole request). */
export const valueBytesMax: number = 1536 * 1024;
/** Revision records examined per physical compaction batch (etcd's compaction batch limit). */
export const compactBatchRevisionsMax: number = 1000;
/** Events a paused or slow watcher buffers before it falls back to catching up from history. */
export const watchBufferEventsMax: number = 1024;
/** Revisions read from history per catch-up step of an unsynced watcher. */
export const watchCatchUpRevisionsMax: number = 1000;
/** Most watchers open at once on one store. */
export const watchersMax: number = 100_000;
/** Largest lease TTL in seconds, as etcd's MaxLeaseTTL. */
export const leaseTtlSecondsMax: number = 9_000_000_000;
/** Bytes per chunk of a streamed snapshot. */
export const snapshotChunkBytes: number = 256 * 1024;

assert(txnOpsMaxDefault <= txnOpsMaxCap, 'txnOpsMaxDefault <= txnOpsMaxCap');
assert(keyBytesMax + 8 < 1978, 'lease-key rows must fit LMDB key size');
assert(watchCatchUpRevisionsMax <= watchBufferEventsMax, 'catch-up fits a watcher buffer');
assert(Number.isSafeInteger(leaseTtlSecondsMax), 'lease TTL cap is a safe integer');
