// Goal: the bitset and its compact snapshots agree with a plain Set of integers, including sets
// with full leading words and trailing zeros; Zobrist words differ between nearby elements.
// Method: a fast-check property against a Set model, and examples.
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { Bitset, zobrist } from './bitset.js';

describe('Bitset', () => {
  test.prop(
    [
      fc.integer({ min: 1, max: 200 }),
      fc.array(fc.tuple(fc.boolean(), fc.nat()), { maxLength: 40 }),
    ],
    {
      numRuns: 100,
    },
  )('matches a Set model and compares snapshots exactly', (size, changes) => {
    const bits = new Bitset(size);
    const model = new Set<number>();
    const snaps: { snap: ReturnType<Bitset['snapshot']>; members: string }[] = [];
    for (const [add, raw] of changes) {
      const i = raw % size;
      if (add) {
        bits.set(i);
        model.add(i);
      } else {
        bits.clear(i);
        model.delete(i);
      }
      for (let j = 0; j < size; j++) expect(bits.has(j)).toBe(model.has(j));
      const members = [...model].sort((a, b) => a - b).join(',');
      for (const old of snaps) expect(bits.equals(old.snap)).toBe(old.members === members);
      snaps.push({ snap: bits.snapshot(), members });
    }
  });

  it('keeps only the window between full leading words and trailing zeros', () => {
    const bits = new Bitset(200);
    for (let i = 0; i < 70; i++) bits.set(i);
    bits.set(100);
    const snap = bits.snapshot();
    expect(snap.fullWords).toBe(2);
    expect(snap.words.length).toBe(2);
    expect(bits.equals(snap)).toBe(true);
    bits.clear(5);
    expect(bits.equals(snap)).toBe(false);
  });

  it('gives distinct Zobrist words to nearby elements', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 10_000; i++) seen.add(zobrist(i).join(':'));
    expect(seen.size).toBe(10_000);
  });
});
