// Compaction: logical at once (reads below the revision fail COMPACTED from the moment the request
// is applied), physical in bounded batches afterwards, each its own short LMDB transaction, so
// reads and writes never wait long (as etcd's scheduleCompaction). Progress is kept in meta, so a
// reopened store resumes where it stopped.
import { crc32 } from 'node:zlib';
import { decodeRevKey, decodeRevRecord, revKey } from './encoding.js';
import { MvccError } from './errors.js';
import { compactKeyIndex, hasRevision, type KeyIndex } from './key-index.js';
import { compactBatchRevisionsMax } from './limits.js';
import { getKeyIndex, getMetaNumber, metaKeys, putKeyIndex, putMetaNumber } from './tables.js';
import type { Tables } from './tables.js';

/**
 * Records compaction at `rev` (inside the apply transaction): checks it as etcd does and restarts
 * physical removal from the first revision. @throws MvccError COMPACTED, FUTURE_REV
 */
export function scheduleCompaction(
  t: Tables,
  rev: number,
  state: { readonly current: number; readonly compacted: number },
): void {
  if (!Number.isSafeInteger(rev) || rev < 0) {
    throw new MvccError({ code: 'INVALID_ARGUMENT', message: 'revision must be >= 0' });
  }
  if (rev <= state.compacted) {
    throw new MvccError({
      code: 'COMPACTED',
      message: 'mvcc: required revision has been compacted',
    });
  }
  if (rev > state.current) {
    throw new MvccError({
      code: 'FUTURE_REV',
      message: 'mvcc: required revision is a future revision',
    });
  }
  putMetaNumber(t, metaKeys.compactRev, rev);
  t.meta.putSync(metaKeys.compactCursor, revKey(0, 0));
}

/** True when physical removal is behind the compacted revision. */
export function hasCompactionWork(t: Tables): boolean {
  return getMetaNumber(t, metaKeys.physicalCompactRev) < getMetaNumber(t, metaKeys.compactRev);
}

/**
 * Removes up to `compactBatchRevisionsMax` revisions made obsolete by the compaction, in one
 * write transaction. Returns true when more work remains.
 */
export function compactBatch(t: Tables): boolean {
  return t.env.transactionSync(() => {
    const at = getMetaNumber(t, metaKeys.compactRev);
    if (getMetaNumber(t, metaKeys.physicalCompactRev) >= at) return false;
    const cursor = t.meta.get(metaKeys.compactCursor) ?? revKey(0, 0);
    // Rows are copied out before any is removed, so no cursor walks over its own deletions.
    const rows: { key: Buffer; value: Buffer }[] = [];
    const range = { start: cursor, end: revKey(at + 1, 0), limit: compactBatchRevisionsMax + 1 };
    for (const { key, value } of t.rev.getRange(range)) {
      rows.push({ key: Buffer.from(key), value: Buffer.from(value) });
    }
    const next =
      rows.length > compactBatchRevisionsMax ? rows[compactBatchRevisionsMax]?.key : undefined;
    const compacted = new Map<string, KeyIndex | undefined>();
    for (const { key, value } of rows.slice(0, compactBatchRevisionsMax)) {
      const rev = decodeRevKey(key);
      const record = decodeRevRecord(value, rev.main);
      const hex = Buffer.from(record.key).toString('hex');
      if (!compacted.has(hex)) {
        const ki = getKeyIndex(t, record.key);
        const kept = ki === undefined ? undefined : compactKeyIndex(ki, at);
        putKeyIndex(t, record.key, kept);
        compacted.set(hex, kept);
      }
      const kept = compacted.get(hex);
      if (kept === undefined || !hasRevision(kept, rev)) t.rev.removeSync(key);
    }
    if (next === undefined) {
      putMetaNumber(t, metaKeys.physicalCompactRev, at);
      // The cursor goes with the work, so finished stores hold equal meta rows.
      t.meta.removeSync(metaKeys.compactCursor);
      return false;
    }
    t.meta.putSync(metaKeys.compactCursor, next);
    return true;
  });
}

/** The sub revision an 8-byte rev key leaves out (0). */
const zeroSub = new Uint8Array(8);

/**
 * etcd's HashKV: a CRC-32 over the rev-table rows with revisions up to `rev`, counting rows at or
 * below the compacted revision only when compaction keeps them. Independent of how far physical
 * removal has got, so members with the same history agree. A key is hashed as 16 bytes (main and
 * sub) whatever its stored length, so the hash is the one store format 2 gave.
 */
export function hashRevisions(t: Tables, rev: number, compactRev: number): number {
  let hash = 0;
  const keyIndexes = new Map<string, KeyIndex | undefined>();
  for (const { key, value } of t.rev.getRange({ start: revKey(0, 0), end: revKey(rev + 1, 0) })) {
    const r = decodeRevKey(key);
    if (r.main <= compactRev) {
      const record = decodeRevRecord(value, r.main);
      const hex = Buffer.from(record.key).toString('hex');
      if (!keyIndexes.has(hex)) {
        const ki = getKeyIndex(t, record.key);
        keyIndexes.set(hex, ki === undefined ? undefined : compactKeyIndex(ki, compactRev));
      }
      const kept = keyIndexes.get(hex);
      if (kept === undefined || !hasRevision(kept, r)) continue;
    }
    hash = crc32(key, hash);
    if (key.length === 8) hash = crc32(zeroSub, hash);
    hash = crc32(value, hash);
  }
  return hash >>> 0;
}
