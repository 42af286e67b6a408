// Goal: Inflights bounds the window by count and bytes and frees in order. Method: examples,
// plus a fast-check model run against a plain array of (index, bytes).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Inflights } from './inflights.js';

describe('Inflights', () => {
  it('fills by count, frees up to an index and wraps around', () => {
    const inf = new Inflights(3, 0);
    inf.add(1, 10);
    inf.add(2, 10);
    inf.add(3, 10);
    expect(inf.full()).toBe(true);
    inf.freeLE(2);
    expect([inf.count(), inf.sizeBytes(), inf.full()]).toEqual([1, 10, false]);
    inf.add(4, 5);
    inf.add(5, 5);
    expect(inf.full()).toBe(true);
    inf.freeLE(5);
    expect([inf.count(), inf.sizeBytes()]).toEqual([0, 0]);
  });

  it('fills by bytes', () => {
    const inf = new Inflights(10, 100);
    inf.add(1, 60);
    expect(inf.full()).toBe(false);
    inf.add(2, 40);
    expect(inf.full()).toBe(true);
    inf.freeLE(1);
    expect(inf.full()).toBe(false);
  });

  it('refuses to add to a full window or out of order', () => {
    const inf = new Inflights(1, 0);
    inf.add(5, 1);
    expect(() => {
      inf.add(6, 1);
    }).toThrow(/full/);
    inf.reset();
    inf.add(5, 1);
    inf.freeLE(5);
    inf.add(7, 1);
    expect(() => {
      const c = inf.clone();
      c.freeLE(7);
      c.add(6, 1);
      c.add(6, 1);
    }).toThrow(/full|increase/);
  });

  it('behaves like an array model (property)', () => {
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('add' as const),
        size: fc.nat(50),
        gap: fc.integer({ min: 1, max: 3 }),
      }),
      fc.record({ kind: fc.constant('free' as const), back: fc.nat(6) }),
      fc.record({ kind: fc.constant('reset' as const) }),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.nat(120),
        fc.array(op, { maxLength: 60 }),
        (countMax, bytesMax, ops) => {
          const inf = new Inflights(countMax, bytesMax);
          let model: { index: number; size: number }[] = [];
          let last = 0;
          for (const o of ops) {
            if (o.kind === 'add') {
              const full =
                model.length === countMax ||
                (bytesMax !== 0 && model.reduce((s, e) => s + e.size, 0) >= bytesMax);
              expect(inf.full()).toBe(full);
              if (full) continue;
              last += o.gap;
              inf.add(last, o.size);
              model.push({ index: last, size: o.size });
            } else if (o.kind === 'free') {
              const upTo = last - o.back;
              inf.freeLE(upTo);
              model = model.filter((e) => e.index > upTo);
            } else {
              inf.reset();
              model = [];
            }
            expect(inf.count()).toBe(model.length);
            expect(inf.sizeBytes()).toBe(model.reduce((s, e) => s + e.size, 0));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
