// Goal: defragment() rewrites the store's file compactly and loses or reorders nothing: after
// filling, deleting and compacting, the file shrinks, HashKV, the revision, the consistent index
// and every key are unchanged, writes and watches (including one opened before) go on, a
// snapshot stream opened before is still whole, writes are refused while the copy runs, and a
// reopened store has the same state and no leftovers. Method: a real store in a temp directory
// (fsync on), real LMDB copies; crash points are covered in test/defrag-crash.test.ts.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dec, enc, openTestStore, tempDir, type TestStore } from '../test/helpers.js';
import { MvccStore } from './store.js';
import type { WatchResponse } from './types.js';

let t: TestStore;
beforeEach(() => {
  t = openTestStore({ unsafeNoSync: false });
});
afterEach(async () => {
  await t.dispose();
});

const fileBytes = (dir: string): number => statSync(join(dir, 'data.mdb')).size;
const value = (i: number, round: number): Uint8Array =>
  enc(`${String(round)}:${'x'.repeat(900)}${String(i)}`);

/** 1500 keys written 3 times, two thirds deleted, everything compacted and removed. */
async function fillAndThin(): Promise<void> {
  for (let round = 0; round < 3; round++) {
    const puts = Array.from({ length: 1500 }, (_, i) => ({
      put: { key: enc(`k${String(i).padStart(5, '0')}`), value: value(i, round) },
    }));
    for (let i = 0; i < puts.length; i += 250) t.apply(...puts.slice(i, i + 250));
  }
  for (let i = 0; i < 1500; i++) {
    if (i % 3 !== 0) t.apply({ deleteRange: { key: enc(`k${String(i).padStart(5, '0')}`) } });
  }
  t.do1({ compaction: { revision: t.store.revision } });
  await t.store.runCompaction();
}

const everything = { key: new Uint8Array([0]), rangeEnd: new Uint8Array([0]) };

describe('MvccStore.defragment', () => {
  it('shrinks the file and keeps HashKV, revisions, the index and every key', async () => {
    await fillAndThin();
    const before = {
      hash: t.store.hashKV(),
      kvs: t.store.range(everything).kvs,
      index: t.store.consistentIndex,
      dbSize: t.store.dbSizeBytes(),
      file: fileBytes(t.dir),
    };
    expect(before.kvs).toHaveLength(500);
    const inUse = t.store.dbSizeInUseBytes();
    expect(inUse).toBeLessThan(before.dbSize / 2);
    await t.store.defragment();
    // The copy holds only the pages in use (the in-use count is exact to a page or two).
    expect(t.store.dbSizeBytes()).toBeLessThanOrEqual(inUse + 2 * 4096);
    expect(t.store.dbSizeInUseBytes()).toBeLessThanOrEqual(t.store.dbSizeBytes());
    expect(fileBytes(t.dir)).toBeLessThan(before.file / 2);
    expect(t.store.dbSizeBytes()).toBeLessThan(before.dbSize / 2);
    expect(t.store.hashKV()).toEqual(before.hash);
    expect(t.store.range(everything).kvs).toEqual(before.kvs);
    expect(t.store.consistentIndex).toBe(before.index);
    await t.reopen();
    expect(t.store.hashKV()).toEqual(before.hash);
    expect(t.store.range(everything).kvs).toEqual(before.kvs);
    const leftovers = readdirSync(dirname(t.dir)).filter((n) =>
      n.startsWith(`${basename(t.dir)}-defrag-`),
    );
    expect(leftovers).toEqual([]);
  });

  it('lets writes and watches go on afterwards, a watch opened before included', async () => {
    await fillAndThin();
    const seen: WatchResponse[] = [];
    const handle = t.store.watch({ key: enc('w'), rangeEnd: enc('x') }, (r) => seen.push(r));
    t.do1({ put: { key: enc('w1'), value: enc('before') } });
    await t.store.defragment();
    const rev = t.store.revision;
    t.do1({ put: { key: enc('w2'), value: enc('after') } });
    t.do1({ deleteRange: { key: enc('k00000') } });
    expect(t.store.revision).toBe(rev + 2);
    const events = seen.flatMap((r) => r.events.map((e) => `${e.type} ${dec(e.kv.key)}`));
    expect(events).toEqual(['PUT w1', 'PUT w2']);
    expect(dec(t.store.range({ key: enc('w2') }).kvs[0]?.value ?? new Uint8Array())).toBe('after');
    // A second defragmentation after more writes keeps them too.
    const hash = t.store.hashKV();
    await t.store.defragment();
    expect(t.store.hashKV()).toEqual(hash);
    handle.cancel();
  });

  it('refuses writes while it copies; joins a second call; a snapshot stream opened before stays whole', async () => {
    await fillAndThin();
    const hash = t.store.hashKV();
    const stream = t.store.snapshot();
    const first = stream.next();
    const running = t.store.defragment();
    expect(t.store.defragment()).toBe(running);
    expect(t.store.whenWritable()).toBe(running);
    expect(() => t.apply({ put: { key: enc('late'), value: enc('x') } })).toThrow(
      /waits for defragment/,
    );
    await running;
    expect(t.store.whenWritable()).toBeUndefined();
    const rest = [...stream];
    const { dir, remove } = tempDir();
    try {
      const target = join(dir, 'restored');
      await MvccStore.restore(target, [first.value as Uint8Array, ...rest]);
      const restored = MvccStore.open({ path: target });
      expect(restored.hashKV()).toEqual(hash);
      await restored.close();
    } finally {
      remove();
    }
  });

  it('removes the copy of an interrupted defragmentation when the store opens', async () => {
    t.do1({ put: { key: enc('a'), value: enc('1') } });
    const hash = t.store.hashKV();
    await t.store.close();
    // What a crash during the copy leaves: a sibling directory with a partial file.
    const leftover = `${t.dir}-defrag-AbC123`;
    const { mkdirSync, writeFileSync } = await import('node:fs');
    mkdirSync(leftover);
    writeFileSync(join(leftover, 'data.mdb'), Buffer.alloc(4096, 7));
    t.store = MvccStore.open({ path: t.dir });
    expect(existsSync(leftover)).toBe(false);
    expect(t.store.hashKV()).toEqual(hash);
  });
});
