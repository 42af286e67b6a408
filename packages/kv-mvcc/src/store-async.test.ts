// Goal: applyAsync's contract: readers (ranges, revision, consistent index, watch events) see a
// batch only once it is committed; batches in flight commit in call order, each building on the
// one before; flush() makes durableIndex reach the consistent index; a defragmentation waits for
// batches in flight; a batch that fails for
// another reason than an MvccError refuses every later write. Method: real stores in temporary
// directories, durable (no unsafeNoSync) so the flush is real.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enc, openTestStore, type TestStore } from '../test/helpers.js';
import type { ApplyEntry, WatchResponse } from './types.js';

let t: TestStore;
beforeEach(() => {
  t = openTestStore({ unsafeNoSync: false });
});
afterEach(async () => {
  await t.dispose();
});

const putAt = (index: number, k: string, v: string): ApplyEntry => ({
  index,
  request: { put: { key: enc(k), value: enc(v) } },
});

describe('MvccStore.applyAsync', () => {
  it('shows a batch to readers and watchers only once it is committed', async () => {
    const events: WatchResponse[] = [];
    t.store.watch({ key: enc('a') }, (r) => events.push(r));
    const created = events.length;
    const done = t.store.applyAsync([putAt(1, 'a', '1')]);
    expect(t.store.revision).toBe(1);
    expect(t.store.consistentIndex).toBe(0);
    expect(t.store.range({ key: enc('a') }).kvs).toEqual([]);
    expect(events.length).toBe(created);
    const [r] = await done;
    expect(r && 'response' in r && 'put' in r.response ? r.response.put.revision : 0).toBe(2);
    expect(t.store.revision).toBe(2);
    expect(t.store.consistentIndex).toBe(1);
    expect(t.store.range({ key: enc('a') }).kvs.length).toBe(1);
    expect(events.length).toBe(created + 1);
  });

  it('commits batches in flight in call order, each on the state of the one before', async () => {
    const a = t.store.applyAsync([putAt(1, 'k', '1'), putAt(2, 'k', '2')]);
    const b = t.store.applyAsync([putAt(3, 'k', '3')], { appliedIndex: 5 });
    const c = t.store.applyAsync([putAt(4, 'k', 'x'), putAt(6, 'k', '6')]);
    const [ra, rb, rc] = await Promise.all([a, b, c]);
    expect(ra.map((r) => 'response' in r)).toEqual([true, true]);
    expect(rb.map((r) => 'response' in r)).toEqual([true]);
    // Index 4 is at or below the consistent index 5 that batch b recorded: skipped.
    expect(rc.map((r) => 'skipped' in r)).toEqual([true, false]);
    expect(t.store.consistentIndex).toBe(6);
    const kv = t.store.range({ key: enc('k') }).kvs[0];
    expect(kv && Buffer.from(kv.value).toString()).toBe('6');
    expect(kv?.version).toBe(4);
  });

  it('makes what was committed durable on flush', async () => {
    await t.store.applyAsync([putAt(1, 'a', '1')]);
    const pending = t.store.applyAsync([putAt(2, 'b', '1')]);
    await t.store.flush();
    expect(t.store.durableIndex).toBe(2); // the batch in flight at the call is included
    await pending;
    await t.reopen();
    expect(t.store.consistentIndex).toBe(2);
  });

  it('lets a batch in flight commit before a defragmentation copies the file', async () => {
    const pending = t.store.applyAsync([putAt(1, 'a', '1'), putAt(2, 'b', '2')]);
    const defrag = t.store.defragment();
    await Promise.all([pending, defrag]);
    expect(t.store.consistentIndex).toBe(2);
    expect(t.store.durableIndex).toBe(2);
    await t.reopen();
    expect(t.store.range({ key: enc('a'), rangeEnd: enc('c') }).count).toBe(2);
    expect(t.store.consistentIndex).toBe(2);
  });

  it('refuses a synchronous apply that would overtake a batch in flight', async () => {
    const pending = t.store.applyAsync([putAt(1, 'a', '1')]);
    expect(() => t.store.apply([putAt(2, 'a', '2')])).toThrow(/overtake/);
    await pending;
    expect(t.store.apply([putAt(2, 'a', '2')]).length).toBe(1);
  });

  it('reports an MvccError per request and goes on', async () => {
    const [r] = await t.store.applyAsync([
      { index: 1, request: { put: { key: enc(''), value: enc('1') } } },
    ]);
    expect(r && 'error' in r ? r.error.code : undefined).toBe('EMPTY_KEY');
    await t.store.applyAsync([putAt(2, 'a', '1')]);
    expect(t.store.consistentIndex).toBe(2);
  });

  it('rolls a failed batch back and refuses later writes with its error', async () => {
    // A fractional entry index is refused inside the transaction, after the batch's first write.
    const failed = t.store.applyAsync([putAt(1, 'a', '1'), putAt(2.5, 'b', '1')], {
      appliedIndex: 3,
    });
    const later = t.store.applyAsync([putAt(4, 'c', '1')]);
    await expect(failed).rejects.toThrow(/> 0/);
    await expect(later).rejects.toThrow(/> 0/);
    await expect(t.store.flush()).rejects.toThrow(/> 0/);
    await expect(t.store.applyAsync([putAt(5, 'c', '1')])).rejects.toThrow(/> 0/);
    expect(t.store.consistentIndex).toBe(0);
    expect(t.store.range({ key: enc('a') }).kvs).toEqual([]);
    await t.reopen();
    expect(t.store.range({ key: enc('a') }).kvs).toEqual([]);
    expect(t.store.consistentIndex).toBe(0);
  });
});
