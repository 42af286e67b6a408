// Goal: UnstableLog keeps the not-yet-durable tail consistent: appends truncate, handed-out
// entries are tracked in progress, and stableTo ignores entries overwritten meanwhile.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UnstableLog } from './log-unstable.js';
import type { Entry, Snapshot } from './types.js';

const ent = (index: number, term: number): Entry => ({
  index,
  term,
  type: 'EntryNormal',
  data: new Uint8Array(),
});
const ids = (es: readonly Entry[]): string =>
  es.map((e) => `${String(e.index)}/${String(e.term)}`).join(' ');
const snap = (index: number, term: number): Snapshot => ({
  data: new Uint8Array(),
  metadata: {
    index,
    term,
    confState: {
      voters: [1],
      learners: [],
      votersOutgoing: [],
      learnersNext: [],
      autoLeave: false,
    },
  },
});

describe('UnstableLog', () => {
  it('appends, truncates a suffix, and replaces everything from below its offset', () => {
    const u = new UnstableLog(5);
    u.truncateAndAppend([ent(5, 1), ent(6, 1), ent(7, 1)]);
    u.truncateAndAppend([ent(7, 2), ent(8, 2)]);
    expect(ids(u.entries)).toBe('5/1 6/1 7/2 8/2');
    u.truncateAndAppend([ent(4, 3)]);
    expect([u.offset, ids(u.entries)]).toEqual([4, '4/3']);
    expect(() => {
      u.truncateAndAppend([ent(9, 3)]);
    }).toThrow(/gap/);
  });

  it('hands out entries once and pulls back the in-progress mark on truncation', () => {
    const u = new UnstableLog(1);
    u.truncateAndAppend([ent(1, 1), ent(2, 1)]);
    expect(ids(u.nextEntries())).toBe('1/1 2/1');
    u.acceptInProgress();
    expect(u.nextEntries()).toEqual([]);
    u.truncateAndAppend([ent(2, 2)]);
    expect(ids(u.nextEntries())).toBe('2/2');
  });

  it('stableTo drops durable entries but not ones overwritten since', () => {
    const u = new UnstableLog(1);
    u.truncateAndAppend([ent(1, 1), ent(2, 1)]);
    u.acceptInProgress();
    u.truncateAndAppend([ent(2, 2)]);
    u.stableTo({ index: 2, term: 1 }); // overwritten: ignored
    expect(u.offset).toBe(1);
    u.stableTo({ index: 1, term: 1 });
    expect([u.offset, ids(u.entries)]).toEqual([2, '2/2']);
  });

  it('answers terms and indexes from a snapshot and entries', () => {
    const u = new UnstableLog(1);
    expect(u.maybeLastIndex()).toBeUndefined();
    u.restore(snap(10, 3));
    expect([u.maybeFirstIndex(), u.maybeLastIndex(), u.maybeTerm(10), u.maybeTerm(9)]).toEqual([
      11,
      10,
      3,
      undefined,
    ]);
    u.truncateAndAppend([ent(11, 3)]);
    expect([u.maybeLastIndex(), u.maybeTerm(11), u.maybeTerm(12)]).toEqual([11, 3, undefined]);
    expect(u.nextSnapshot()).toBeDefined();
    u.acceptInProgress();
    expect(u.nextSnapshot()).toBeUndefined();
    u.stableSnapTo(10);
    expect(u.snapshot).toBeUndefined();
  });
});

describe('UnstableLog (model)', () => {
  // The model: the terms of the whole log by index, and how much of it is durable.
  it('matches an array model under appends, hand-outs and acknowledgements', () => {
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('append' as const),
        back: fc.nat(4),
        count: fc.integer({ min: 1, max: 3 }),
      }),
      fc.record({ kind: fc.constant('accept' as const) }),
      fc.record({
        kind: fc.constant('stable' as const),
        pick: fc.nat(10),
        wrongTerm: fc.boolean(),
      }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const u = new UnstableLog(1);
        let terms: number[] = []; // terms[i] is the term of index i + 1
        let durable = 0;
        let term = 1;
        let handedTo = 0; // entries up to here were handed out and not replaced since
        for (const o of ops) {
          if (o.kind === 'append') {
            const from = Math.max(durable + 1, terms.length + 1 - o.back);
            term++;
            const ents = Array.from({ length: o.count }, (_, i) => ent(from + i, term));
            u.truncateAndAppend(ents);
            terms = [...terms.slice(0, from - 1), ...ents.map((e) => e.term)];
            handedTo = Math.min(handedTo, from - 1);
          } else if (o.kind === 'accept') {
            expect(u.nextEntries().map((e) => e.index)).toEqual(
              terms.slice(handedTo).map((_, i) => handedTo + 1 + i),
            );
            u.acceptInProgress();
            handedTo = terms.length;
            expect(u.nextEntries()).toEqual([]);
          } else if (terms.length > durable) {
            const index = durable + 1 + (o.pick % (terms.length - durable));
            const t = terms[index - 1] ?? 0;
            u.stableTo({ index, term: o.wrongTerm ? t + 100 : t });
            if (!o.wrongTerm) durable = index;
            handedTo = Math.max(handedTo, durable); // durable entries are never handed out again
          }
          expect(u.offset).toBe(durable + 1);
          expect(u.entries.map((e) => e.term)).toEqual(terms.slice(durable));
          if (terms.length > durable) expect(u.maybeLastIndex()).toBe(terms.length);
        }
      }),
      { numRuns: 300 },
    );
  });
});
