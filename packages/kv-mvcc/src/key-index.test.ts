// Goal: the key index answers "what was the key at revision r" across generations, and compacts
// exactly as the worked example in key-index.ts says; revision keys keep revision order.
// Method: the example as a table, plus fast-check properties.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareBytes, decodeRevKey, revKey } from './encoding.js';
import {
  compactKeyIndex,
  decodeKeyIndex,
  encodeKeyIndex,
  indexPut,
  indexTombstone,
  keyAt,
  type KeyIndex,
} from './key-index.js';

/** put@1 put@2 delete@3 put@4 put@5 delete@6, as in the file's comment. */
function example(): KeyIndex {
  let ki = indexPut(undefined, { main: 1, sub: 0 }, 0);
  ki = indexPut(ki, { main: 2, sub: 0 }, 0);
  indexTombstone(ki, { main: 3, sub: 0 });
  ki = indexPut(ki, { main: 4, sub: 0 }, 0);
  ki = indexPut(ki, { main: 5, sub: 0 }, 0);
  indexTombstone(ki, { main: 6, sub: 0 });
  return ki;
}

const describeAt = (ki: KeyIndex, at: number): string => {
  const k = keyAt(ki, at);
  return k === undefined
    ? '-'
    : `m${String(k.mod.main)} c${String(k.created.main)} v${String(k.version)}`;
};
const revsOf = (ki: KeyIndex | undefined): number[][] =>
  ki === undefined ? [] : ki.generations.map((g) => g.revs.filter((_, i) => i % 2 === 0));

describe('key index', () => {
  it('answers what the key was at each revision', () => {
    const ki = example();
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((r) => describeAt(ki, r))).toEqual([
      '-',
      'm1 c1 v1',
      'm2 c1 v2',
      '-',
      'm4 c4 v1',
      'm5 c4 v2',
      '-',
      '-',
    ]);
  });

  it('compacts as the worked example says, and is idempotent', () => {
    const ki = example();
    expect(revsOf(compactKeyIndex(ki, 2))).toEqual([[2, 3], [4, 5, 6], []]);
    expect(revsOf(compactKeyIndex(ki, 4))).toEqual([[4, 5, 6], []]);
    expect(compactKeyIndex(ki, 6)).toBeUndefined();
    const once = compactKeyIndex(ki, 5);
    expect(once && revsOf(compactKeyIndex(once, 5))).toEqual(revsOf(once));
    expect(once && describeAt(once, 5)).toBe('m5 c4 v2');
  });

  it('round-trips through its encoding', () => {
    const ki = example();
    expect(decodeKeyIndex(encodeKeyIndex(ki))).toEqual(ki);
  });

  it('keeps revision order in revision keys', () => {
    // Small mains and subs often, so that equal mains and sub 0 (an 8-byte key) meet longer keys.
    const rev = fc.record({
      main: fc.oneof(fc.nat(3), fc.nat({ max: Number.MAX_SAFE_INTEGER })),
      sub: fc.oneof(fc.constant(0), fc.nat(3), fc.nat(1000)),
    });
    fc.assert(
      fc.property(rev, rev, (a, b) => {
        const byRev = a.main === b.main ? Math.sign(a.sub - b.sub) : Math.sign(a.main - b.main);
        expect(Math.sign(compareBytes(revKey(a.main, a.sub), revKey(b.main, b.sub)))).toBe(byRev);
        expect(decodeRevKey(revKey(a.main, a.sub))).toEqual(a);
        expect(revKey(a.main, a.sub).length).toBe(a.sub === 0 ? 8 : 16);
      }),
      { numRuns: 500 },
    );
  });
});
