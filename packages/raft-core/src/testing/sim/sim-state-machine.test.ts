// Goal: the simulated application's digest identifies its whole applied sequence, and its
// snapshot encoding round-trips. Method: apply entry sequences that differ in one place.
import { describe, expect, it } from 'vitest';
import type { Entry } from '../../types.js';
import { SimStateMachine } from './sim-state-machine.js';

function entry(index: number, byte: number, term = 1): Entry {
  return { index, term, type: 'EntryNormal', data: new Uint8Array([byte]) };
}

function applyAll(entries: readonly Entry[]): SimStateMachine {
  const sm = SimStateMachine.empty();
  for (const e of entries) sm.apply(e);
  return sm;
}

describe('SimStateMachine', () => {
  it('reaches the same digest for the same sequence and another for any change', () => {
    const base = [entry(1, 1), entry(2, 2), entry(3, 3)];
    const digest = applyAll(base).digest;
    expect(applyAll(base).digest).toBe(digest);
    expect(applyAll([entry(1, 1), entry(2, 9), entry(3, 3)]).digest).not.toBe(digest);
    expect(applyAll([entry(1, 1), entry(2, 2, 2), entry(3, 3)]).digest).not.toBe(digest);
  });

  it('counts non-empty normal entries as writes', () => {
    const sm = applyAll([
      entry(1, 1),
      { index: 2, term: 1, type: 'EntryNormal', data: new Uint8Array(0) },
    ]);
    expect(sm.writeCount).toBe(1);
  });

  it('refuses to apply out of order', () => {
    const sm = applyAll([entry(1, 1)]);
    expect(() => {
      sm.apply(entry(3, 3));
    }).toThrow(/apply 3 after 1/);
  });

  it('round-trips through its snapshot encoding', () => {
    const sm = applyAll([entry(1, 1), entry(2, 2)]);
    const back = SimStateMachine.decode(sm.encode());
    expect([back.index, back.digest, back.writeCount]).toEqual([2, sm.digest, 2]);
    expect(SimStateMachine.decode(new Uint8Array(0)).index).toBe(0);
  });
});
