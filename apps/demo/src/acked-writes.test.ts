// Goal: the final check of the three-member demo finds every kind of lost acknowledged write
// (missing revision, another value, another mod revision, a revision reused by a later write) and
// passes a history where every write is present.
import { describe, expect, it } from 'vitest';
import { describeLostWrite, findLostWrites, type StoredVersion } from './acked-writes.js';

const acked = [
  { revision: 2, value: 'mibao-1', via: 'm1' },
  { revision: 3, value: 'mibao-2', via: 'm2' },
  { revision: 5, value: 'mibao-3', via: 'm3' },
];

function store(entries: [number, StoredVersion | undefined][]) {
  return new Map(entries);
}

describe('findLostWrites', () => {
  it('finds nothing lost when every write is at its revision', () => {
    const stored = store([
      [2, { value: 'mibao-1', modRevision: 2 }],
      [3, { value: 'mibao-2', modRevision: 3 }],
      [5, { value: 'mibao-3', modRevision: 5 }],
    ]);
    expect(findLostWrites(acked, stored)).toEqual([]);
  });

  it('finds a missing revision, another value and another mod revision', () => {
    const stored = store([
      [2, { value: 'mibao-9', modRevision: 2 }],
      [3, { value: 'mibao-2', modRevision: 2 }],
      [5, undefined],
    ]);
    expect(findLostWrites(acked, stored).map(describeLostWrite)).toEqual([
      'lost: mibao-1 at revision 2 (put via m1): at revision 2 the key holds mibao-9 (mod revision 2)',
      'lost: mibao-2 at revision 3 (put via m2): at revision 3 the key holds mibao-2 (mod revision 2)',
      'lost: mibao-3 at revision 5 (put via m3): the store has no version of the key at revision 5',
    ]);
  });

  it('finds a write whose revision a later acknowledged write took', () => {
    const reused = [
      { revision: 4, value: 'mibao-7', via: 'm1' },
      { revision: 4, value: 'mibao-7', via: 'm2' },
    ];
    const stored = store([[4, { value: 'mibao-7', modRevision: 4 }]]);
    expect(findLostWrites(reused, stored)).toEqual([
      { write: reused[0], reason: 'a later write was acknowledged at revision 4' },
    ]);
  });
});
