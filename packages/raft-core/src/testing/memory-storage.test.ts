// Goal: MemoryStorage honours the Storage contract (COMPACTED / UNAVAILABLE) and etcd's writer
// semantics (append truncates a conflicting suffix, compact keeps the compacted term as dummy).
import { describe, expect, it } from 'vitest';
import { isStorageError } from '../errors.js';
import type { Entry } from '../types.js';
import { MemoryStorage } from './memory-storage.js';

const ent = (index: number, term: number, size = 0): Entry => ({
  index,
  term,
  type: 'EntryNormal',
  data: new Uint8Array(size),
});
const ids = (es: readonly Entry[]): string[] =>
  es.map((e) => `${String(e.index)}/${String(e.term)}`);

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (isStorageError(e)) return e.code;
    throw e;
  }
  return 'ok';
}

function storage(): MemoryStorage {
  const s = new MemoryStorage();
  s.append([ent(1, 1), ent(2, 1), ent(3, 2), ent(4, 2), ent(5, 3)]);
  return s;
}

describe('MemoryStorage', () => {
  it('starts empty with first index 1 and last index 0', () => {
    const s = new MemoryStorage();
    expect([s.firstIndex(), s.lastIndex(), s.term(0)]).toEqual([1, 0, 0]);
    expect(code(() => s.entries(1, 2, Infinity))).toBe('UNAVAILABLE');
  });

  it('answers term and entries within range and raises COMPACTED / UNAVAILABLE outside', () => {
    const s = storage();
    s.compact(2);
    expect(s.term(2)).toBe(1);
    expect(s.term(5)).toBe(3);
    expect(code(() => s.term(1))).toBe('COMPACTED');
    expect(code(() => s.term(6))).toBe('UNAVAILABLE');
    expect(ids(s.entries(3, 6, Infinity))).toEqual(['3/2', '4/2', '5/3']);
    expect(code(() => s.entries(2, 4, Infinity))).toBe('COMPACTED');
    expect(code(() => s.entries(3, 7, Infinity))).toBe('UNAVAILABLE');
  });

  it('limits entries by size but returns at least one', () => {
    const s = new MemoryStorage();
    s.append([ent(1, 1, 10), ent(2, 1, 10), ent(3, 1, 10)]);
    expect(s.entries(1, 4, 0)).toHaveLength(1);
    expect(s.entries(1, 4, 2 * 26)).toHaveLength(2);
    expect(s.entries(1, 4, 3 * 26)).toHaveLength(3);
  });

  it('truncates a conflicting suffix on append and skips compacted entries', () => {
    const s = storage();
    s.append([ent(3, 4), ent(4, 4)]);
    expect(ids(s.entries(1, 5, Infinity))).toEqual(['1/1', '2/1', '3/4', '4/4']);
    s.compact(3);
    s.append([ent(2, 4), ent(3, 4), ent(4, 4), ent(5, 5)]);
    expect(ids(s.entries(4, 6, Infinity))).toEqual(['4/4', '5/5']);
    expect(() => {
      s.append([ent(9, 5)]);
    }).toThrow(/gap/);
  });

  it('compacts keeping the compacted term and refuses to compact twice', () => {
    const s = storage();
    s.compact(4);
    expect([s.firstIndex(), s.lastIndex(), s.term(4)]).toEqual([5, 5, 2]);
    expect(
      code(() => {
        s.compact(3);
      }),
    ).toBe('COMPACTED');
  });

  it('creates and applies snapshots, refusing out-of-date ones', () => {
    const s = storage();
    const cs = {
      voters: [1, 2],
      learners: [],
      votersOutgoing: [],
      learnersNext: [],
      autoLeave: false,
    };
    const snap = s.createSnapshot(3, cs, new Uint8Array([7]));
    expect(snap.metadata).toEqual({ index: 3, term: 2, confState: cs });
    expect(code(() => s.createSnapshot(3, cs, new Uint8Array()))).toBe('SNAPSHOT_OUT_OF_DATE');
    const t = new MemoryStorage();
    t.applySnapshot(snap);
    expect([t.firstIndex(), t.lastIndex(), t.term(3)]).toEqual([4, 3, 2]);
    expect(t.initialState().confState).toEqual(cs);
    expect(
      code(() => {
        t.applySnapshot(snap);
      }),
    ).toBe('SNAPSHOT_OUT_OF_DATE');
  });

  it('keeps the HardState it is given', () => {
    const s = new MemoryStorage();
    s.setHardState({ term: 3, vote: 2, commit: 1 });
    expect(s.initialState().hardState).toEqual({ term: 3, vote: 2, commit: 1 });
  });
});
