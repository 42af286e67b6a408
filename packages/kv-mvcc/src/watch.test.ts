// Goal: watches follow etcd: created response, live events after each apply, filters, prevKv,
// catch-up from a start revision, compacted start cancelled with the compact revision, progress
// notifications, and a paused watcher whose buffer overflows catches up without losing an event.
// Method: real stores; catch-up runs on the event loop, so tests wait for it with `settle`.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dec, enc, openTestStore, type TestStore } from '../test/helpers.js';
import { watchBufferEventsMax } from './limits.js';
import type { WatchResponse } from './types.js';

let t: TestStore;
beforeEach(() => {
  t = openTestStore();
});
afterEach(async () => {
  await t.dispose();
});

const put = (k: string, v: string): void => {
  t.do1({ put: { key: enc(k), value: enc(v) } });
};
/** Lets scheduled catch-up run: one event-loop turn per catch-up batch. */
const settle = async (turns = 5): Promise<void> => {
  for (let i = 0; i < turns; i++) await new Promise<void>((r) => setImmediate(r));
};
const describeEvents = (rs: WatchResponse[]): string[] =>
  rs.flatMap((r) =>
    r.events.map(
      (e) =>
        `${e.type} ${dec(e.kv.key)}@${String(e.kv.modRevision)}${e.prevKv ? ` prev=${dec(e.prevKv.value)}` : ''}`,
    ),
  );

describe('watch', () => {
  it('sends created, then live events of its range with prevKv and filters', () => {
    const all: WatchResponse[] = [];
    const noDel: WatchResponse[] = [];
    t.store.watch({ key: enc('a'), rangeEnd: enc('c'), prevKv: true }, (r) => all.push(r));
    t.store.watch({ key: enc('a'), rangeEnd: enc('c'), filters: ['NODELETE'] }, (r) =>
      noDel.push(r),
    );
    put('a', '1');
    put('z', '1');
    put('a', '2');
    t.do1({ deleteRange: { key: enc('a') } });
    expect(all[0]).toMatchObject({ created: true, watchId: 0, revision: 1 }); // an empty store is at 1
    expect(describeEvents(all)).toEqual(['PUT a@2', 'PUT a@4 prev=1', 'DELETE a@5 prev=2']);
    expect(describeEvents(noDel)).toEqual(['PUT a@2', 'PUT a@4']);
  });

  it('catches up from a start revision in history, then goes on live', async () => {
    put('a', '1');
    put('b', '1');
    put('a', '2');
    const got: WatchResponse[] = [];
    t.store.watch({ key: enc('a'), startRevision: 3 }, (r) => got.push(r));
    await settle();
    put('a', '3');
    expect(describeEvents(got)).toEqual(['PUT a@4', 'PUT a@5']);
  });

  it('cancels a watch whose start revision is compacted, with the compact revision', () => {
    put('a', '1');
    put('a', '2');
    put('a', '3');
    t.do1({ compaction: { revision: 4 } });
    const got: WatchResponse[] = [];
    t.store.watch({ key: enc('a'), startRevision: 3 }, (r) => got.push(r));
    expect(got.map((r) => [r.created, r.canceled, r.compactRevision])).toEqual([
      [true, false, 0],
      [false, true, 4],
    ]);
  });

  it('sends progress notifications only when a watcher is up to date', () => {
    const got: WatchResponse[] = [];
    const h = t.store.watch({ key: enc('a'), progressNotify: true }, (r) => got.push(r));
    put('b', '1');
    t.store.notifyProgress();
    h.pause();
    put('a', '1');
    t.store.notifyProgress({ all: true });
    h.resume();
    expect(got.map((r) => [r.events.length, r.revision])).toEqual([
      [0, 1],
      [0, 2],
      [1, 3],
    ]);
  });

  it('buffers a paused watcher, and catches up from history after overflow, losing nothing', async () => {
    const got: WatchResponse[] = [];
    const h = t.store.watch({ key: enc('k'), rangeEnd: enc('l') }, (r) => got.push(r));
    h.pause();
    const n = watchBufferEventsMax + 50;
    for (let i = 0; i < n; i += 100) {
      const reqs = Array.from({ length: Math.min(100, n - i) }, (_, j) => ({
        put: { key: enc(`k${String(i + j)}`), value: enc('v') },
      }));
      t.apply(...reqs);
    }
    expect(got.length).toBe(1); // only `created` while paused
    h.resume();
    await settle(10);
    const revs = got.flatMap((r) => r.events.map((e) => e.kv.modRevision));
    expect(revs).toEqual(Array.from({ length: n }, (_, i) => i + 2)); // the first write is at 2
    put('k', 'live');
    expect(got.at(-1)?.events.map((e) => e.kv.modRevision)).toEqual([n + 2]);
  });

  it('sends a lease revoke as DELETE events of one revision, and waits for a future start', () => {
    const got: WatchResponse[] = [];
    t.store.watch({ key: enc('a'), rangeEnd: enc('z'), startRevision: 4 }, (r) => got.push(r));
    t.do1({ leaseGrant: { TTL: 5, ID: 1 } });
    t.do1({ put: { key: enc('x'), value: enc('1'), lease: 1 } });
    t.do1({ put: { key: enc('y'), value: enc('1'), lease: 1 } });
    t.do1({ leaseRevoke: { ID: 1 } });
    expect(describeEvents(got)).toEqual(['DELETE x@4', 'DELETE y@4']);
    expect(got.at(-1)?.events.length).toBe(2);
  });

  it('cancels a paused watcher with the compact revision when its history is compacted', async () => {
    const got: WatchResponse[] = [];
    const h = t.store.watch({ key: enc('k'), rangeEnd: enc('l') }, (r) => got.push(r));
    h.pause();
    const n = watchBufferEventsMax + 10;
    for (let i = 0; i < n; i += 100) {
      t.apply(
        ...Array.from({ length: Math.min(100, n - i) }, () => ({
          put: { key: enc('k'), value: enc('v') },
        })),
      );
    }
    t.do1({ compaction: { revision: n + 1 } }); // n puts end at n + 1
    h.resume();
    await settle();
    const last = got.at(-1);
    expect([last?.canceled, last?.compactRevision]).toEqual([true, n + 1]);
    // Everything delivered before the cancel is a gap-free prefix starting at revision 2 (the first write).
    const revs = got.flatMap((r) => r.events.map((e) => e.kv.modRevision));
    expect(revs).toEqual(Array.from({ length: revs.length }, (_, i) => i + 2));
  });

  it('stops delivery after cancel', () => {
    const got: WatchResponse[] = [];
    const h = t.store.watch({ key: enc('a') }, (r) => got.push(r));
    h.cancel();
    put('a', '1');
    expect(got.length).toBe(1);
  });
});
