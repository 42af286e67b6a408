// Goal: the store's put, range, delete and txn follow etcd's semantics. Method: a real store in a
// temporary directory, one etcd rule per test.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enc, openTestStore, setStoreFormat, show, type TestStore } from '../test/helpers.js';
import { isMvccError } from './errors.js';
import { MvccStore } from './store.js';
import { storeFormat } from './tables.js';
import type { ApplyResponse, RangeRequest } from './types.js';

let t: TestStore;
beforeEach(() => {
  t = openTestStore();
});
afterEach(async () => {
  await t.dispose();
});

const put = (k: string, v: string, extra = {}): ApplyResponse =>
  t.do1({ put: { key: enc(k), value: enc(v), ...extra } });
const rangeShow = (r: Partial<RangeRequest> & { key: Uint8Array }): string[] =>
  t.store.range(r).kvs.map(show);

describe('MvccStore', () => {
  it('gives each put a revision, and keeps create revision and version per generation', () => {
    put('a', '1');
    put('a', '2');
    put('b', '1');
    expect(t.store.revision).toBe(4); // an empty store is at 1: the first put gets 2, as etcd
    expect(rangeShow({ key: enc('a') })).toEqual(['a=2 c2 m3 v2 l0']);
    t.do1({ deleteRange: { key: enc('a') } });
    put('a', '3');
    expect(rangeShow({ key: enc('a') })).toEqual(['a=3 c6 m6 v1 l0']);
    expect(rangeShow({ key: enc('a'), revision: 3 })).toEqual(['a=2 c2 m3 v2 l0']);
    expect(rangeShow({ key: enc('a'), revision: 5 })).toEqual([]);
  });

  it('reads ranges with etcd conventions: single key, [key, end), \\0 to the end, all keys', () => {
    for (const k of ['a', 'b', 'ba', 'c']) put(k, k);
    const keys = (key: Uint8Array, rangeEnd?: Uint8Array): string =>
      t.store
        .range({ key, rangeEnd })
        .kvs.map((kv) => Buffer.from(kv.key).toString())
        .join(',');
    expect(keys(enc('b'))).toBe('b');
    expect(keys(enc('b'), enc('c'))).toBe('b,ba');
    expect(keys(enc('b'), new Uint8Array([0]))).toBe('b,ba,c');
    expect(keys(new Uint8Array([0]), new Uint8Array([0]))).toBe('a,b,ba,c');
  });

  it('applies limit, more, count, keysOnly, countOnly and the revision filters', () => {
    for (const k of ['a', 'b', 'c', 'd']) put(k, k);
    put('b', 'b2');
    const all = { key: enc('a'), rangeEnd: enc('z') };
    const r = t.store.range({ ...all, limit: 2 });
    expect([r.kvs.map(show), r.more, r.count, r.revision]).toEqual([
      ['a=a c2 m2 v1 l0', 'b=b2 c3 m6 v2 l0'],
      true,
      4,
      6,
    ]);
    expect(t.store.range({ ...all, limit: 4 }).more).toBe(false);
    const keysOnly = t.store.range({ ...all, keysOnly: true }).kvs.map((kv) => kv.value.length);
    expect(keysOnly).toEqual([0, 0, 0, 0]);
    const countOnly = t.store.range({ ...all, countOnly: true });
    expect([countOnly.kvs.length, countOnly.count]).toEqual([0, 4]);
    expect(rangeShow({ ...all, minModRevision: 4 }).length).toBe(3);
    expect(rangeShow({ ...all, maxModRevision: 4 }).length).toBe(2);
    expect(rangeShow({ ...all, minCreateRevision: 3, maxCreateRevision: 4 }).length).toBe(2);
    // Filters keep the unfiltered count, as etcd does.
    expect(t.store.range({ ...all, minModRevision: 6 }).count).toBe(4);
  });

  it('sorts by every target in both orders, and cuts to the limit after sorting', () => {
    put('a', 'z');
    put('b', 'y');
    put('c', 'x');
    put('a', 'w');
    const all = { key: enc('a'), rangeEnd: enc('z') };
    const keys = (r: Partial<RangeRequest>): string =>
      t.store
        .range({ ...all, ...r })
        .kvs.map((kv) => Buffer.from(kv.key).toString())
        .join('');
    expect(keys({ sortOrder: 'DESCEND' })).toBe('cba');
    expect(keys({ sortTarget: 'VALUE' })).toBe('acb');
    expect(keys({ sortTarget: 'VALUE', sortOrder: 'DESCEND' })).toBe('bca');
    expect(keys({ sortTarget: 'MOD', sortOrder: 'DESCEND' })).toBe('acb');
    expect(keys({ sortTarget: 'CREATE', sortOrder: 'ASCEND' })).toBe('abc');
    expect(keys({ sortTarget: 'VERSION', sortOrder: 'DESCEND' })).toBe('abc');
    const r = t.store.range({ ...all, sortTarget: 'MOD', sortOrder: 'DESCEND', limit: 1 });
    expect([r.kvs.map(show), r.more, r.count]).toEqual([['a=w c2 m5 v2 l0'], true, 3]);
  });

  it('returns prevKv, keeps value or lease with ignoreValue/ignoreLease', () => {
    const lease = t.do1({ leaseGrant: { TTL: 10, ID: 7 } });
    expect(lease).toEqual({ leaseGrant: { ID: 7, TTL: 10, revision: 1 } });
    put('a', '1', { lease: 7 });
    const r = put('a', '', { ignoreValue: true, prevKv: true });
    expect('put' in r && show(r.put.prevKv)).toBe('a=1 c2 m2 v1 l7');
    expect(rangeShow({ key: enc('a') })).toEqual(['a=1 c2 m3 v2 l0']);
    put('a', '2', { lease: 7 });
    put('a', '3', { ignoreLease: true });
    expect(rangeShow({ key: enc('a') })).toEqual(['a=3 c2 m5 v4 l7']);
  });

  it('deletes a range with prevKvs and a count, and deleting nothing makes no revision', () => {
    put('a', '1');
    put('b', '2');
    const r = t.do1({ deleteRange: { key: enc('a'), rangeEnd: enc('c'), prevKv: true } });
    expect('deleteRange' in r && [r.deleteRange.deleted, r.deleteRange.prevKvs.map(show)]).toEqual([
      2,
      ['a=1 c2 m2 v1 l0', 'b=2 c3 m3 v1 l0'],
    ]);
    expect(t.store.revision).toBe(4);
    const none = t.do1({ deleteRange: { key: enc('a'), rangeEnd: enc('c') } });
    expect(none).toEqual({ deleteRange: { deleted: 0, prevKvs: [], revision: 4 } });
    expect(t.store.revision).toBe(4);
  });

  it('refuses a store in another on-disk format with FORMAT_UNSUPPORTED, and leaves it as it is', async () => {
    put('a', '1');
    await t.store.close();
    await setStoreFormat(t.dir, undefined); // format 1 had no format row
    const opening = (): unknown => MvccStore.open({ path: t.dir, unsafeNoSync: true });
    expect(opening).toThrow(
      expect.toSatisfy(
        (e: unknown) =>
          isMvccError(e, 'FORMAT_UNSUPPORTED') && /format 1, .*format 3/.test(e.message),
      ),
    );
    await setStoreFormat(t.dir, storeFormat);
    await t.reopen();
    expect(rangeShow({ key: enc('a') })).toEqual(['a=1 c2 m2 v1 l0']);
  });

  it('refuses a snapshot of another store format with SNAPSHOT_INVALID naming the format', async () => {
    const bytes = Buffer.concat([...t.store.snapshot()]);
    bytes.write('KEELMVC1', 0, 'latin1');
    const dir = `${t.dir}-restored`;
    await expect(MvccStore.restore(dir, [bytes])).rejects.toSatisfy(
      (e: unknown) => isMvccError(e, 'SNAPSHOT_INVALID') && /store format 1/.test(e.message),
    );
  });

  it('reads the values written earlier in the same apply batch (prevKv, txn range, delete)', async () => {
    const results = t.apply(
      { put: { key: enc('a'), value: enc('1') } },
      { put: { key: enc('a'), value: enc('2'), prevKv: true } },
      { txn: { compare: [], success: [{ requestRange: { key: enc('a') } }], failure: [] } },
      { deleteRange: { key: enc('a'), prevKv: true } },
    );
    const shown = results.map((r) => {
      const resp = 'response' in r ? r.response : undefined;
      if (resp !== undefined && 'put' in resp) return show(resp.put.prevKv);
      if (resp !== undefined && 'txn' in resp) {
        const first = resp.txn.responses[0];
        return first !== undefined && 'responseRange' in first
          ? first.responseRange.kvs.map(show)
          : 'no range';
      }
      if (resp !== undefined && 'deleteRange' in resp) return resp.deleteRange.prevKvs.map(show);
      return 'unexpected';
    });
    expect(shown).toEqual(['none', 'a=1 c2 m2 v1 l0', ['a=2 c2 m3 v2 l0'], ['a=2 c2 m3 v2 l0']]);
    await t.reopen();
    expect(rangeShow({ key: enc('a'), revision: 3 })).toEqual(['a=2 c2 m3 v2 l0']);
  });

  it('keeps versions right for keys after, before and at the end of the index', async () => {
    put('b', '1'); // 2: after the end of an empty index
    put('c', '1'); // 3: after the end
    put('a', '1'); // 4: before it
    put('c', '2'); // 5: at it
    t.do1({ deleteRange: { key: enc('c') } }); // 6
    t.do1({ compaction: { revision: 6 } }); // c's record goes: the index ends at b again
    await t.store.runCompaction();
    put('c', '3'); // 7: after the end again, a new generation
    put('bb', '1'); // 8: between
    await t.reopen(); // the end is read back from LMDB
    put('d', '1'); // 9
    put('c', '4'); // 10
    expect(rangeShow({ key: enc('a'), rangeEnd: enc('z') })).toEqual([
      'a=1 c4 m4 v1 l0',
      'b=1 c2 m2 v1 l0',
      'bb=1 c8 m8 v1 l0',
      'c=4 c7 m10 v2 l0',
      'd=1 c9 m9 v1 l0',
    ]);
  });

  it('survives a reopen with its revision, index and data', async () => {
    put('a', '1');
    put('a', '2');
    await t.reopen();
    expect([t.store.revision, t.store.consistentIndex]).toEqual([3, 2]);
    expect(rangeShow({ key: enc('a') })).toEqual(['a=2 c2 m3 v2 l0']);
  });
});
