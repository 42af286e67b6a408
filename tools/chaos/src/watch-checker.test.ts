// Goal: the watch checker accepts watchers that agree (including ones that start late or are
// cancelled early) and reports every kind of disagreement: revisions out of order, an event before
// the start revision, duplicates, gaps against another watcher or the final state, different
// contents at one revision, a different order inside one Txn, and a final state older than a
// watched change. Method: small hand-written watcher logs.
import { describe, expect, it } from 'vitest';
import { checkWatches, type WatchEvent, type WatcherLog } from './index.js';

const put = (revision: number, key: string, value = `${key}${revision}`): WatchEvent => ({
  revision,
  key,
  type: 'put',
  value,
});
const del = (revision: number, key: string): WatchEvent => ({ revision, key, type: 'delete' });
const stream = [put(2, 'a'), put(3, 'b'), del(4, 'a'), put(5, 'a'), put(5, 'c'), put(6, 'b')];
const kinds = (watchers: WatcherLog[], final = [] as Parameters<typeof checkWatches>[0]['final']) =>
  checkWatches({ watchers, final }).map((v) => [v.kind, v.watcherId, v.revision, v.key]);

describe('checkWatches', () => {
  it('accepts watchers that saw the same events, late starters and cancelled ones included', () => {
    const watchers: WatcherLog[] = [
      { watcherId: 'w1', startRevision: 1, events: stream },
      { watcherId: 'w2', startRevision: 4, events: stream.slice(2) },
      // Cancelled after revision 3, with progress known through revision 3.
      { watcherId: 'w3', startRevision: 1, events: stream.slice(0, 2), throughRevision: 3 },
      // Saw nothing yet: owes nothing.
      { watcherId: 'w4', startRevision: 7, events: [], throughRevision: 9 },
    ];
    const final = [
      { key: 'a', value: 'a5', modRev: 5 },
      { key: 'b', value: 'b6', modRev: 6 },
      { key: 'c', value: 'c5', modRev: 5 },
    ];
    expect(kinds(watchers, final)).toEqual([]);
    // A log that omits values is compared on types only.
    const bare = stream.map(({ revision, key, type }) => ({ revision, key, type }));
    expect(
      kinds([...watchers, { watcherId: 'w5', startRevision: 1, events: bare }], final),
    ).toEqual([]);
  });

  it('reports a gap that another watcher shows', () => {
    const watchers: WatcherLog[] = [
      { watcherId: 'w1', startRevision: 1, events: stream },
      { watcherId: 'w2', startRevision: 1, events: stream.filter((e) => e.revision !== 4) },
    ];
    expect(kinds(watchers)).toEqual([['gap', 'w2', 4, 'a']]);
  });

  it('reports a gap that the final state shows and a final state older than a watched change', () => {
    const watchers: WatcherLog[] = [
      { watcherId: 'w1', startRevision: 1, events: [put(2, 'a')], throughRevision: 9 },
    ];
    expect(kinds(watchers, [{ key: 'b', value: 'b7', modRev: 7 }])).toEqual([
      ['gap', 'w1', 7, 'b'],
    ]);
    const lost = [{ key: 'a', value: 'a1', modRev: 1 }];
    // The final put at revision 1 is inside w1's window too, and w1 never saw it.
    expect(kinds(watchers, lost)).toEqual([
      ['mismatch', 'w1', 2, 'a'],
      ['gap', 'w1', 1, 'a'],
    ]);
  });

  it('reports revisions going backwards, events before the start and duplicates', () => {
    const watchers: WatcherLog[] = [
      { watcherId: 'back', startRevision: 1, events: [put(3, 'b'), put(2, 'a')] },
      { watcherId: 'early', startRevision: 3, events: [put(2, 'a'), put(3, 'b')] },
      { watcherId: 'twice', startRevision: 1, events: [put(2, 'a'), put(2, 'a'), put(3, 'b')] },
    ];
    expect(kinds(watchers)).toEqual([
      ['order', 'back', 2, 'a'],
      ['order', 'early', 2, 'a'],
      ['duplicate', 'twice', 2, 'a'],
    ]);
  });

  it('reports different contents at one revision and a different order within a Txn', () => {
    const watchers: WatcherLog[] = [
      { watcherId: 'w1', startRevision: 1, events: [put(2, 'a', 'x'), put(2, 'b'), put(2, 'c')] },
      { watcherId: 'w2', startRevision: 1, events: [put(2, 'a', 'y'), put(2, 'c'), put(2, 'b')] },
      { watcherId: 'w3', startRevision: 1, events: [del(2, 'a'), put(2, 'b'), put(2, 'c')] },
    ];
    expect(kinds(watchers)).toEqual([
      ['mismatch', 'w2', 2, 'a'],
      ['mismatch', 'w3', 2, 'a'],
      ['order', 'w2', 2, 'a'],
    ]);
  });

  it('rejects malformed logs with INVALID_HISTORY', () => {
    const bad = (watchers: WatcherLog[]): unknown => {
      try {
        checkWatches({ watchers });
      } catch (e) {
        return (e as { code?: unknown }).code;
      }
      return undefined;
    };
    const w = { watcherId: 'w', startRevision: 1, events: [] };
    expect(bad([w, w])).toBe('INVALID_HISTORY');
    expect(bad([{ ...w, startRevision: -1 }])).toBe('INVALID_HISTORY');
    expect(bad([{ ...w, events: [put(0, 'a')] }])).toBe('INVALID_HISTORY');
  });
});
