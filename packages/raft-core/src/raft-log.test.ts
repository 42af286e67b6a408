// Goal: RaftLog joins stable and unstable parts: terms and slices across the boundary,
// conflict detection, fast back-off hints, commit rules and compaction errors.
import { describe, expect, it } from 'vitest';
import { isStorageError } from './errors.js';
import { RaftLog } from './raft-log.js';
import { MemoryStorage } from './testing/memory-storage.js';
import type { Entry } from './types.js';

const ent = (index: number, term: number): Entry => ({
  index,
  term,
  type: 'EntryNormal',
  data: new Uint8Array(4),
});
const ids = (es: readonly Entry[]): string =>
  es.map((e) => `${String(e.index)}/${String(e.term)}`).join(' ');

/** Stable 1..3 (terms 1 1 2), unstable 4..5 (terms 3 3). */
function log(): RaftLog {
  const s = new MemoryStorage();
  s.append([ent(1, 1), ent(2, 1), ent(3, 2)]);
  const l = new RaftLog(s, 1 << 20);
  l.append([ent(4, 3), ent(5, 3)]);
  return l;
}

describe('RaftLog', () => {
  it('reads terms and slices across stable and unstable parts', () => {
    const l = log();
    expect([l.firstIndex(), l.lastIndex(), l.term(3), l.term(5)]).toEqual([1, 5, 2, 3]);
    expect(ids(l.slice(2, 6, Infinity))).toBe('2/1 3/2 4/3 5/3');
    expect(ids(l.slice(2, 6, 40))).toBe('2/1 3/2'); // 20 bytes per entry
    expect(l.termOr0(9)).toBe(0);
  });

  it('appends from the leader, truncating conflicts, and rejects a mismatched prev', () => {
    const l = log();
    expect(l.maybeAppend({ index: 3, term: 2 }, 4, [ent(4, 4), ent(5, 4), ent(6, 4)])).toBe(6);
    expect(ids(l.slice(3, 7, Infinity))).toBe('3/2 4/4 5/4 6/4');
    expect(l.committed).toBe(4);
    expect(l.maybeAppend({ index: 6, term: 3 }, 6, [])).toBeUndefined();
    // An append of entries we already have changes nothing and commits only up to them.
    expect(l.maybeAppend({ index: 2, term: 1 }, 9, [ent(3, 2)])).toBe(3);
    expect([l.lastIndex(), l.committed]).toEqual([6, 4]);
  });

  it('gives fast back-off hints by term', () => {
    const l = log();
    expect(l.findConflictByTerm(5, 2)).toEqual({ index: 3, term: 2 });
    expect(l.findConflictByTerm(5, 5)).toEqual({ index: 5, term: 3 });
    expect(l.findConflictByTerm(5, 0)).toEqual({ index: 0, term: 0 });
  });

  it('commits only through an entry of the given term', () => {
    const l = log();
    expect(l.maybeCommit({ index: 3, term: 3 })).toBe(false);
    expect(l.maybeCommit({ index: 4, term: 3 })).toBe(true);
    expect(l.committed).toBe(4);
    expect(l.isUpToDate({ index: 5, term: 3 })).toBe(true);
    expect(l.isUpToDate({ index: 9, term: 2 })).toBe(false);
  });

  it('hands out committed entries within the apply budget', () => {
    const l = log();
    l.commitTo(5);
    const first = l.nextCommittedEntries();
    expect(ids(first)).toBe('1/1 2/1 3/2 4/3 5/3');
    l.acceptApplying(5, 100);
    expect(l.hasNextCommittedEntries()).toBe(false);
    l.appliedTo(5, 100);
    expect(l.applied).toBe(5);
  });

  it('raises COMPACTED for compacted indexes', () => {
    const s = new MemoryStorage();
    s.append([ent(1, 1), ent(2, 1), ent(3, 2)]);
    s.compact(2);
    const l = new RaftLog(s, 1 << 20);
    expect(l.term(2)).toBe(1);
    let caught: unknown;
    try {
      l.slice(1, 3, Infinity);
    } catch (e) {
      caught = e;
    }
    expect(isStorageError(caught, 'COMPACTED')).toBe(true);
    expect(l.matchTerm({ index: 1, term: 1 })).toBe(false);
  });
});
