// Goal: RaftLog keeps raft-core's Storage contract on real LMDB, survives reopening, group-commits
// concurrent writes, and raises each of its error codes (CORRUPT, FULL, CLOSED, OVERLOADED) in
// the situation it names. Method: real LMDB environments in temporary directories.
import { join } from 'node:path';
import { isStorageError } from '@keel/raft-core';
import { open } from 'lmdb';
import { afterEach, describe, expect, it } from 'vitest';
import { RaftLog, dataFileName, isWalError } from '../src/index.js';
import { encodeIndexKey } from '../src/index-key.js';
import { entries, entry, tempDir } from './helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function openLog(
  opts: { cacheBytesMax?: number; logBytesMax?: number; pendingOpsMax?: number } = {},
) {
  const dir = tempDir();
  cleanups.push(dir.remove);
  const log = RaftLog.open({ dir: dir.path, ...opts });
  cleanups.push(() => log.close());
  return { log, dir: dir.path };
}

function reopen(dir: string, cacheBytesMax = 0): RaftLog {
  const log = RaftLog.open({ dir, cacheBytesMax });
  cleanups.push(() => log.close());
  return log;
}

async function caught(p: Promise<unknown> | (() => unknown)): Promise<unknown> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    return e;
  }
  return undefined;
}

const confState = {
  voters: [1, 2, 3],
  learners: [4],
  votersOutgoing: [],
  learnersNext: [],
  autoLeave: false,
};

describe('RaftLog', () => {
  it('starts empty, as MemoryStorage does', () => {
    const { log } = openLog();
    expect([log.firstIndex(), log.lastIndex(), log.term(0)]).toEqual([1, 0, 0]);
    expect(log.initialState().hardState).toEqual({ term: 0, vote: 0, commit: 0 });
    expect(log.snapshot().metadata.index).toBe(0);
  });

  it('restores hardState, ConfState, snapshot and index range on reopen', async () => {
    const { log, dir } = openLog();
    const snapshot = { data: new Uint8Array([9, 9]), metadata: { index: 10, term: 3, confState } };
    await log.save({
      snapshot,
      entries: entries([11, 21], 4),
      hardState: { term: 4, vote: 2, commit: 15 },
    });
    await log.compactLog(12);
    await log.close();
    const again = reopen(dir);
    expect(again.initialState()).toEqual({
      hardState: { term: 4, vote: 2, commit: 15 },
      confState,
    });
    expect(again.snapshot()).toEqual(snapshot);
    expect([again.firstIndex(), again.lastIndex(), again.term(12), again.term(20)]).toEqual([
      13, 20, 4, 4,
    ]);
    expect(again.entries(13, 21, Infinity)).toEqual(entries([13, 21], 4));
  });

  it('truncates a conflicting suffix, in the cache and on disk', async () => {
    const { log, dir } = openLog();
    await log.save({ entries: entries([1, 11], 1) });
    await log.save({ entries: entries([6, 8], 2) });
    expect(log.lastIndex()).toBe(7);
    const want = [...entries([1, 6], 1), ...entries([6, 8], 2)];
    expect(log.entries(1, 8, Infinity)).toEqual(want);
    await log.close();
    const again = reopen(dir);
    expect(again.lastIndex()).toBe(7);
    expect(again.entries(1, 8, Infinity)).toEqual(want);
    expect(isStorageError(await caught(() => again.entries(1, 9, Infinity)), 'UNAVAILABLE')).toBe(
      true,
    );
  });

  it('limits entries by size, mixing disk and cache, but returns at least one', async () => {
    const per = 16 + 100;
    const { log } = openLog({ cacheBytesMax: per * 4 });
    await log.save({ entries: entries([1, 11], 1, 100) });
    expect(log.cacheSizeBytes()).toBe(per * 4);
    expect(log.entries(2, 11, per * 8).map((e) => e.index)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    expect(log.entries(5, 11, 1)).toEqual([entry(5, 1, 100)]);
    expect(log.entries(1, 11, Infinity)).toEqual(entries([1, 11], 1, 100));
    expect(log.entries(4, 4, 0)).toEqual([]);
  });

  it('raises COMPACTED and UNAVAILABLE at the edges, like MemoryStorage', async () => {
    const { log } = openLog();
    await log.save({ entries: entries([1, 6], 1) });
    await log.compactLog(3);
    expect(log.term(3)).toBe(1);
    expect(isStorageError(await caught(() => log.term(2)), 'COMPACTED')).toBe(true);
    expect(isStorageError(await caught(() => log.entries(3, 4, 100)), 'COMPACTED')).toBe(true);
    expect(isStorageError(await caught(() => log.term(6)), 'UNAVAILABLE')).toBe(true);
    expect(isStorageError(await caught(log.compactLog(3)), 'COMPACTED')).toBe(true);
  });

  it('group-commits concurrent saves into one durable transaction', async () => {
    const { log, dir } = openLog();
    await log.save({ entries: [entry(1, 1)] });
    const before = log.writeStats();
    await Promise.all(
      Array.from({ length: 16 }, (_, i) => log.save({ entries: [entry(i + 2, 1)] })),
    );
    const after = log.writeStats();
    expect([after.transactions - before.transactions, after.writes - before.writes]).toEqual([
      1, 16,
    ]);
    await log.close();
    expect(reopen(dir).entries(1, 18, Infinity)).toEqual(entries([1, 18], 1));
  });

  it('rejects only the refused write of a batch', async () => {
    const { log } = openLog();
    const snap = { data: new Uint8Array(0), metadata: { index: 5, term: 2, confState } };
    await log.save({ snapshot: snap });
    const results = await Promise.allSettled([
      log.save({ entries: [entry(6, 2)] }),
      log.save({ snapshot: { ...snap, metadata: { ...snap.metadata, index: 4 } } }),
      log.save({ entries: [entry(7, 2)] }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(
      isStorageError((results[1] as PromiseRejectedResult).reason, 'SNAPSHOT_OUT_OF_DATE'),
    ).toBe(true);
    expect(log.lastIndex()).toBe(7);
  });

  it('creates a snapshot at an index in the log, then compacts up to it', async () => {
    const { log, dir } = openLog();
    await log.save({ entries: entries([1, 10], 3) });
    const snap = await log.createSnapshot({ index: 6, confState, data: new Uint8Array([1]) });
    expect(snap.metadata).toEqual({ index: 6, term: 3, confState });
    await log.compactLog(6);
    await log.close();
    const again = reopen(dir);
    expect([again.firstIndex(), again.term(6), again.snapshot()]).toEqual([7, 3, snap]);
  });
});

describe('RaftLog errors', () => {
  it('FULL: a write past the quota is refused whole, and compaction makes room', async () => {
    const { log, dir } = openLog({ logBytesMax: 10 * (24 + 100) });
    await log.save({ entries: entries([1, 9], 1, 100) });
    const before = log.sizeBytes();
    const err = await caught(
      log.save({ entries: entries([9, 12], 1, 100), hardState: { term: 1, vote: 1, commit: 1 } }),
    );
    expect(isWalError(err, 'FULL')).toBe(true);
    expect([log.lastIndex(), log.sizeBytes(), log.initialState().hardState.commit]).toEqual([
      8,
      before,
      0,
    ]);
    await log.compactLog(5);
    await log.save({ entries: entries([9, 12], 1, 100) });
    expect(log.lastIndex()).toBe(11);
    await log.close();
    const again = RaftLog.open({ dir, logBytesMax: 10 * (24 + 100), cacheBytesMax: 0 });
    cleanups.push(() => again.close());
    expect(again.entries(6, 12, Infinity)).toEqual(entries([6, 12], 1, 100));
  });

  it('CLOSED: reads and writes after close fail, and queued writes are rejected', async () => {
    const { log } = openLog();
    const queued = log.save({ entries: [entry(1, 1)] });
    await log.close();
    await log.close();
    expect(isWalError(await caught(queued), 'CLOSED')).toBe(true);
    expect(isWalError(await caught(() => log.lastIndex()), 'CLOSED')).toBe(true);
    expect(isWalError(await caught(log.save({ entries: [entry(1, 1)] })), 'CLOSED')).toBe(true);
  });

  it('OVERLOADED: writes past pendingOpsMax are refused without queueing', async () => {
    const { log } = openLog({ pendingOpsMax: 2 });
    const results = await Promise.allSettled(
      [1, 2, 3].map((i) => log.save({ entries: [entry(i, 1)] })),
    );
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect(isWalError((results[2] as PromiseRejectedResult).reason, 'OVERLOADED')).toBe(true);
    expect(log.lastIndex()).toBe(2);
  });

  describe('CORRUPT', () => {
    async function damaged(
      damage: (db: ReturnType<typeof openEntriesDb>) => void,
    ): Promise<unknown> {
      const { log, dir } = openLog();
      await log.save({ entries: entries([1, 8], 1) });
      await log.close();
      const db = openEntriesDb(dir);
      damage(db);
      await db.root.close();
      return caught(() => RaftLog.open({ dir }));
    }

    function openEntriesDb(dir: string) {
      const root = open<Buffer, Buffer>({
        path: join(dir, dataFileName),
        noSubdir: true,
        maxDbs: 4,
        overlappingSync: false,
        encoding: 'binary',
        keyEncoding: 'binary',
      });
      return {
        root,
        db: root.openDB<Buffer, Buffer>('entries', { encoding: 'binary', keyEncoding: 'binary' }),
      };
    }

    it('a record failing its checksum is reported naming its index', async () => {
      const err = await damaged(({ root, db }) => {
        const rec = Buffer.from(db.getBinary(encodeIndexKey(5))!);
        rec[rec.byteLength - 1] = rec[rec.byteLength - 1]! ^ 1;
        root.transactionSync(() => {
          db.putSync(encodeIndexKey(5), rec);
        });
      });
      expect(isWalError(err, 'CORRUPT')).toBe(true);
      expect((err as Error).message).toMatch(/entry 5 .*checksum/);
    });

    it('a gap in the index sequence is reported naming the missing index', async () => {
      const err = await damaged(({ root, db }) => {
        root.transactionSync(() => db.removeSync(encodeIndexKey(3)));
      });
      expect(isWalError(err, 'CORRUPT')).toBe(true);
      expect((err as Error).message).toMatch(/entry 3 .*missing/);
    });

    it('entries lost from the end of the log are reported naming the first missing index', async () => {
      const err = await damaged(({ root, db }) => {
        root.transactionSync(() => {
          db.removeSync(encodeIndexKey(6));
          db.removeSync(encodeIndexKey(7));
        });
      });
      expect(isWalError(err, 'CORRUPT')).toBe(true);
      expect((err as Error).message).toMatch(/entry 6 .*missing/);
    });

    it('an entry stored past the recorded last index is reported', async () => {
      const err = await damaged(({ root, db }) => {
        root.transactionSync(() => {
          db.putSync(encodeIndexKey(9), Buffer.from(db.getBinary(encodeIndexKey(7))!));
        });
      });
      expect(isWalError(err, 'CORRUPT')).toBe(true);
      expect((err as Error).message).toMatch(/entry 9 .*past the last index/);
    });

    it('an undecodable record is reported naming its index', async () => {
      const err = await damaged(({ root, db }) => {
        root.transactionSync(() => {
          db.putSync(encodeIndexKey(7), Buffer.from([1, 2, 3]));
        });
      });
      expect(isWalError(err, 'CORRUPT')).toBe(true);
      expect((err as Error).message).toMatch(/entry 7 /);
    });
  });
});
