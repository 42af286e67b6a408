// Goal: leases (grant, attach, revoke at one revision, checkpoint, timeToLive, list), compaction
// (logical at once, physical in batches, key index generations), HashKV independence from
// physical progress, the apply index contract, quota and snapshots. Method: real stores.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MvccStore } from './store.js';
import { dec, enc, openTestStore, show, tempDir, type TestStore } from '../test/helpers.js';
import { compactBatchRevisionsMax } from './limits.js';

let t: TestStore;
beforeEach(() => {
  t = openTestStore();
});
afterEach(async () => {
  await t.dispose();
});

const put = (k: string, v: string, lease = 0): void => {
  t.do1({ put: { key: enc(k), value: enc(v), lease } });
};

describe('leases', () => {
  it('grants chosen and given IDs, attaches on put, revokes keys at one revision', () => {
    const a = t.do1({ leaseGrant: { TTL: 30 } });
    const b = t.do1({ leaseGrant: { TTL: 60, ID: 2 } });
    const c = t.do1({ leaseGrant: { TTL: 5 } });
    const ids = [a, b, c].map((r) => ('leaseGrant' in r ? r.leaseGrant.ID : -1));
    expect(ids).toEqual([1, 2, 3]);
    put('x', '1', 1);
    put('y', '1', 1);
    put('z', '1', 2);
    put('y', '2', 2); // moves y from lease 1 to lease 2
    expect(t.store.leaseTimeToLive({ ID: 1, keys: true }).keys.map(dec)).toEqual(['x']);
    expect(t.store.leaseTimeToLive({ ID: 2, keys: true })).toMatchObject({
      TTL: 60,
      grantedTTL: 60,
    });
    t.do1({ leaseRevoke: { ID: 2 } });
    expect(t.store.revision).toBe(6); // puts at 2..5 (an empty store is at 1), the revoke at 6
    const deleted = t.store.range({ key: enc('a'), rangeEnd: enc('zz') }).kvs.map(show);
    expect(deleted).toEqual(['x=1 c2 m2 v1 l1']);
    expect(t.store.leaseLeases().leases).toEqual([{ ID: 1 }, { ID: 3 }]);
    t.do1({ leaseRevoke: { ID: 3 } }); // no keys: no revision
    expect(t.store.revision).toBe(6);
  });

  it('records checkpoints as the remaining TTL and answers keep-alive with the granted TTL', () => {
    t.do1({ leaseGrant: { TTL: 30, ID: 9 } });
    t.do1({
      leaseCheckpoint: {
        checkpoints: [
          { ID: 9, remainingTTL: 12 },
          { ID: 10, remainingTTL: 1 },
        ],
      },
    });
    expect(t.store.leaseTimeToLive({ ID: 9 })).toMatchObject({ TTL: 12, grantedTTL: 30, keys: [] });
    expect(t.store.leaseKeepAlive({ ID: 9 })).toMatchObject({ ID: 9, TTL: 30 });
    // A checkpoint of 0 clears it (the leader's renewal with checkpoints on): the granted TTL again.
    t.do1({ leaseCheckpoint: { checkpoints: [{ ID: 9, remainingTTL: 0 }] } });
    expect(t.store.leaseTimeToLive({ ID: 9 })).toMatchObject({ TTL: 30, grantedTTL: 30 });
  });
});

describe('compaction', () => {
  it('keeps the newest revision at or below the compaction, drops deleted generations', async () => {
    put('a', '1');
    put('a', '2');
    t.do1({ deleteRange: { key: enc('a') } });
    put('a', '3');
    put('b', '1');
    t.do1({ deleteRange: { key: enc('b') } });
    const before = t.store.hashKV({ revision: 7 }).hash;
    t.do1({ compaction: { revision: 5 } });
    expect(t.store.hashKV({ revision: 7 }).hash).not.toBe(before);
    const logical = t.store.hashKV({ revision: 7 }).hash;
    expect(t.store.hasCompactionWork()).toBe(true);
    await t.store.runCompaction();
    expect(t.store.hasCompactionWork()).toBe(false);
    // Physical removal changes nothing that HashKV sees.
    expect(t.store.hashKV({ revision: 7 }).hash).toBe(logical);
    expect(t.store.range({ key: enc('a'), revision: 5 }).kvs.map(show)).toEqual([
      'a=3 c5 m5 v1 l0',
    ]);
    expect(t.store.range({ key: enc('b'), revision: 6 }).kvs.map(show)).toEqual([
      'b=1 c6 m6 v1 l0',
    ]);
    t.do1({ compaction: { revision: 7 } });
    await t.store.runCompaction();
    expect(t.store.range({ key: enc('a'), rangeEnd: enc('z') }).kvs.map(show)).toEqual([
      'a=3 c5 m5 v1 l0',
    ]);
    const [r] = t.apply({ compaction: { revision: 7 } });
    expect(r && 'error' in r && r.error.code).toBe('COMPACTED');
    const [f] = t.apply({ compaction: { revision: 8 } });
    expect(f && 'error' in f && f.error.code).toBe('FUTURE_REV');
  });

  it('removes in bounded batches and resumes after a reopen', async () => {
    const n = compactBatchRevisionsMax + 10;
    for (let i = 0; i < n; i += 100) {
      const reqs = Array.from({ length: Math.min(100, n - i) }, () => ({
        put: { key: enc('hot'), value: enc(String(i)) },
      }));
      t.apply(...reqs);
    }
    // n puts on an empty store (at revision 1) end at revision n + 1.
    t.do1({ compaction: { revision: n + 1 } });
    expect(t.store.compactStep()).toBe(true);
    await t.reopen();
    expect(t.store.compactStep()).toBe(false);
    expect(t.store.range({ key: enc('hot') }).kvs.map((kv) => kv.version)).toEqual([n]);
    expect([t.store.revision, t.store.compactRevision]).toEqual([n + 1, n + 1]);
  });
});

describe('apply', () => {
  it('skips entries at or below the consistent index, so a replay applies nothing twice', () => {
    t.store.apply([{ index: 5, request: { put: { key: enc('a'), value: enc('1') } } }]);
    const r = t.store.apply([
      { index: 5, request: { put: { key: enc('a'), value: enc('again') } } },
      { index: 6, request: { put: { key: enc('b'), value: enc('1') } } },
    ]);
    expect(r.map((x) => 'skipped' in x)).toEqual([true, false]);
    expect([t.store.consistentIndex, t.store.revision]).toEqual([6, 3]);
  });

  it('moves the consistent index through appliedIndex for entries that carry no request', () => {
    t.do1({ put: { key: enc('a'), value: enc('1') } });
    t.store.apply([], { appliedIndex: 4 });
    expect([t.store.consistentIndex, t.store.revision]).toEqual([4, 2]);
    t.store.apply([{ index: 5, request: { put: { key: enc('b'), value: enc('1') } } }], {
      appliedIndex: 7,
    });
    expect([t.store.consistentIndex, t.store.revision]).toEqual([7, 3]);
    const below = () =>
      t.store.apply([{ index: 9, request: { put: { key: enc('c'), value: enc('1') } } }], {
        appliedIndex: 8,
      });
    expect(below).toThrow(/appliedIndex/);
    expect(t.store.consistentIndex).toBe(7);
  });

  it('records the consistent index of a batch whose requests failed', () => {
    t.store.apply([{ index: 3, request: { put: { key: new Uint8Array(0), value: enc('1') } } }]);
    expect([t.store.consistentIndex, t.store.revision]).toEqual([3, 1]); // no write: still an empty store's revision
  });
});

describe('quota', () => {
  it('sees the file grow past the quota after an apply (the size is read again after writes)', async () => {
    const probe = openTestStore();
    const sizeBytes = probe.store.dbSizeBytes();
    await probe.dispose();
    const q = openTestStore({ quotaBackendBytes: sizeBytes + 64 * 1024 });
    try {
      const put = { put: { key: enc('k'), value: new Uint8Array(1024) } };
      q.store.checkQuota(put);
      for (let i = 0; i < 200; i++)
        q.apply({ put: { key: enc(`k${String(i)}`), value: new Uint8Array(1024) } });
      expect(() => {
        q.store.checkQuota(put);
      }).toThrow(/space/);
    } finally {
      await q.dispose();
    }
  });

  it('fails costly requests above quota, and with the alarm still serves reads and deletes', async () => {
    t.do1({ put: { key: enc('a'), value: enc('1') } });
    t.store.checkQuota({ put: { key: enc('b'), value: enc('1') } });
    const small = openTestStore({ quotaBackendBytes: 4096 });
    try {
      expect(() => {
        small.store.checkQuota({ leaseGrant: { TTL: 1 } });
      }).toThrow(/space/);
      small.store.checkQuota({ deleteRange: { key: enc('a') } });
    } finally {
      await small.dispose();
    }
    const nospace = { memberID: 0, alarm: 'NOSPACE' } as const;
    // As etcd: ACTIVATE answers with the alarm it raised, DEACTIVATE with the alarm it removed.
    const raised = t.do1({ alarm: { action: 'ACTIVATE', ...nospace } });
    expect(raised).toEqual({ alarm: { alarms: [nospace], revision: 2 } });
    expect(t.store.alarms()).toEqual([{ memberID: 0, alarm: 'NOSPACE' }]);
    const [p] = t.apply({
      txn: {
        compare: [],
        success: [{ requestPut: { key: enc('c'), value: enc('') } }],
        failure: [],
      },
    });
    expect(p && 'error' in p && p.error.code).toBe('NO_SPACE');
    expect(t.store.range({ key: enc('a') }).count).toBe(1);
    t.do1({ deleteRange: { key: enc('a') } });
    t.do1({ compaction: { revision: 2 } });
    const listed = t.do1({ alarm: { action: 'GET', memberID: 0, alarm: 'NONE' } });
    expect(listed).toEqual({ alarm: { alarms: [nospace], revision: 3 } });
    const disarmed = t.do1({ alarm: { action: 'DEACTIVATE', ...nospace } });
    expect(disarmed).toEqual({ alarm: { alarms: [nospace], revision: 3 } });
    const again = t.do1({ alarm: { action: 'DEACTIVATE', ...nospace } });
    expect(again).toEqual({ alarm: { alarms: [], revision: 3 } });
    t.do1({ put: { key: enc('a'), value: enc('2') } });
    expect(t.store.alarms()).toEqual([]);
  });
});

const rangeAll = (): string[] => t.store.range({ key: enc('a'), rangeEnd: enc('z') }).kvs.map(show);

describe('snapshot', () => {
  it('streams a consistent state that restores into an empty directory', async () => {
    put('a', '1');
    put('b', '2');
    t.do1({ leaseGrant: { TTL: 5, ID: 4 } });
    put('c', '3', 4);
    const stream = t.store.snapshot();
    put('d', 'after the snapshot began');
    const chunks = [...stream];
    const { dir, remove } = tempDir();
    try {
      await MvccStore.restore(dir, chunks);
      const restored = MvccStore.open({ path: dir, unsafeNoSync: true });
      const all = restored.range({ key: enc('a'), rangeEnd: enc('z') }).kvs.map(show);
      expect(all).toEqual(['a=1 c2 m2 v1 l0', 'b=2 c3 m3 v1 l0', 'c=3 c4 m4 v1 l4']);
      expect([restored.consistentIndex, restored.revision]).toEqual([4, 4]);
      expect(restored.leaseTimeToLive({ ID: 4, keys: true }).keys.map(dec)).toEqual(['c']);
      expect(restored.hashKV({ revision: 4 }).hash).toBe(t.store.hashKV({ revision: 4 }).hash);
      await restored.close();
      const truncated = tempDir();
      const bytes = Buffer.concat(chunks);
      await expect(
        MvccStore.restore(truncated.dir, [bytes.subarray(0, bytes.length - 3)]),
      ).rejects.toThrow(/truncated/);
      truncated.remove();
    } finally {
      remove();
    }
  });

  it('replaces a live store with a snapshot atomically, and watchers catch up from the new state', async () => {
    const source = openTestStore();
    try {
      source.do1({ put: { key: enc('a'), value: enc('new-1') } });
      source.do1({ put: { key: enc('b'), value: enc('new-2') } });
      source.do1({ put: { key: enc('a'), value: enc('new-3') } });
      const chunks = [...source.store.snapshot()];
      put('a', 'old');
      const events: string[] = [];
      t.store.watch({ key: enc('a') }, (r) => {
        for (const e of r.events) events.push(`${e.type} ${show(e.kv)}`);
      });
      const bytes = Buffer.concat(chunks);
      const damaged = Buffer.from(bytes);
      damaged[damaged.length - 20] = (damaged[damaged.length - 20] ?? 0) ^ 0xff;
      expect(() => {
        t.store.replaceWithSnapshot([damaged]);
      }).toThrow(/checksum|snapshot/);
      expect(() => {
        t.store.replaceWithSnapshot([bytes.subarray(0, bytes.length - 5)]);
      }).toThrow(/truncated/);
      expect(rangeAll()).toEqual(['a=old c2 m2 v1 l0']);
      t.store.replaceWithSnapshot(chunks);
      expect(rangeAll()).toEqual(['a=new-3 c2 m4 v2 l0', 'b=new-2 c3 m3 v1 l0']);
      expect([t.store.consistentIndex, t.store.revision]).toEqual([3, 4]);
      expect(t.store.hashKV({ revision: 4 }).hash).toBe(source.store.hashKV({ revision: 4 }).hash);
      await new Promise((resolve) => setImmediate(resolve));
      expect(events).toEqual(['PUT a=new-3 c2 m4 v2 l0']);
      await t.reopen();
      expect(rangeAll()).toEqual(['a=new-3 c2 m4 v2 l0', 'b=new-2 c3 m3 v1 l0']);
    } finally {
      await source.dispose();
    }
  });

  it('restores a padded stream with a new consistent index, a bumped and compacted revision', async () => {
    put('a', '1');
    put('a', '2');
    const bytes = Buffer.concat([...t.store.snapshot()]);
    const padded = Buffer.concat([bytes, Buffer.alloc(512 - (bytes.length % 512))]);
    const { dir, remove } = tempDir();
    const other = tempDir();
    try {
      await MvccStore.restore(dir, [padded], {
        consistentIndex: 1,
        bumpRevision: 10,
        markCompacted: true,
      });
      const restored = MvccStore.open({ path: dir, unsafeNoSync: true });
      expect([restored.consistentIndex, restored.revision, restored.compactRevision]).toEqual([
        1, 13, 13,
      ]);
      expect(restored.range({ key: enc('a') }).kvs.map(show)).toEqual(['a=2 c2 m3 v2 l0']);
      expect(() => restored.range({ key: enc('a'), revision: 3 })).toThrow(/compacted/);
      restored.apply([{ index: 2, request: { put: { key: enc('b'), value: enc('1') } } }]);
      expect(restored.range({ key: enc('b') }).kvs.map(show)).toEqual(['b=1 c14 m14 v1 l0']);
      await restored.close();
      const junk = Buffer.concat([bytes, Buffer.from([0, 0, 7])]);
      await expect(MvccStore.restore(other.dir, [junk])).rejects.toThrow(/after the trailer/);
    } finally {
      remove();
      other.remove();
    }
  });
});
