// Goal: the conf change codec round-trips every shape and rejects malformed bytes with
// INVALID_MESSAGE. Method: examples plus a fast-check round-trip property.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeConfChange, encodeConfChange } from './conf-change-codec.js';
import { isRaftError } from './errors.js';
import type { ConfChange } from './types.js';

const arbChange: fc.Arbitrary<ConfChange> = fc.record({
  transition: fc.constantFrom('auto', 'implicit', 'explicit'),
  changes: fc.array(
    fc.record({
      type: fc.constantFrom('AddNode', 'RemoveNode', 'AddLearnerNode'),
      nodeId: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    }),
    { maxLength: 8 },
  ),
  context: fc.uint8Array({ maxLength: 40 }),
});

describe('conf change codec', () => {
  it('round-trips any conf change', () => {
    fc.assert(
      fc.property(arbChange, (cc) => {
        expect(decodeConfChange(encodeConfChange(cc))).toEqual(cc);
      }),
      { numRuns: 300 },
    );
  });

  it('rejects truncated, trailing and unknown bytes with INVALID_MESSAGE', () => {
    const good = encodeConfChange({
      transition: 'auto',
      changes: [{ type: 'AddNode', nodeId: 300 }],
      context: new Uint8Array([1, 2]),
    });
    const bad = [
      good.slice(0, good.length - 1),
      new Uint8Array([...good, 0]),
      new Uint8Array([2, ...good.slice(1)]),
      new Uint8Array([1, 9, 0, 0]),
      new Uint8Array([1, 0, 1, 7, 1, 0]),
      new Uint8Array([1, 0, 1, 0, 0, 0]),
    ];
    for (const b of bad) {
      let caught: unknown;
      try {
        decodeConfChange(b);
      } catch (e) {
        caught = e;
      }
      expect(isRaftError(caught, 'INVALID_MESSAGE')).toBe(true);
    }
  });
});
