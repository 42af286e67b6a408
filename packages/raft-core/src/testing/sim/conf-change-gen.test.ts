// Goal: generated membership changes are valid for the configuration they are drawn against:
// never the last voter removed, joint changes marked joint, leaving only when not automatic.
import { describe, expect, it } from 'vitest';
import type { ConfState } from '../../types.js';
import { createPrng } from '../prng.js';
import { drawConfChange } from './conf-change-gen.js';

function conf(voters: number[], more: Partial<ConfState> = {}): ConfState {
  return { voters, learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false, ...more };
}

describe('drawConfChange', () => {
  it('never removes or demotes the leader that proposes', () => {
    const prng = createPrng(4);
    for (let i = 0; i < 500; i++) {
      const cc = drawConfChange(prng, { config: conf([1, 2, 3]), leaderId: 2, freshId: 4 });
      for (const c of cc?.changes ?? []) {
        if (c.type !== 'AddNode') expect(c.nodeId).not.toBe(2);
      }
    }
  });

  it('never removes or demotes the last voter', () => {
    const prng = createPrng(1);
    for (let i = 0; i < 500; i++) {
      const cc = drawConfChange(prng, { config: conf([1]), leaderId: 1, freshId: undefined });
      for (const c of cc?.changes ?? []) expect(c.nodeId).not.toBe(1);
    }
  });

  it('draws joint changes with every transition and adds only members or the fresh id', () => {
    const prng = createPrng(2);
    const kinds = new Set<string>();
    const jointTransitions = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const cc = drawConfChange(prng, {
        config: conf([1, 2, 3], { learners: [4] }),
        leaderId: 2,
        freshId: 5,
      });
      if (cc === undefined) continue;
      kinds.add(`${cc.transition}:${cc.changes.map((c) => c.type).join('+')}`);
      expect(cc.changes.length).toBeLessThanOrEqual(2);
      if (cc.changes.length > 1) jointTransitions.add(cc.transition);
      for (const c of cc.changes) {
        if (c.type === 'AddNode' || c.type === 'AddLearnerNode')
          expect([1, 2, 3, 4, 5]).toContain(c.nodeId);
      }
    }
    expect(kinds.size).toBeGreaterThan(8);
    expect([...jointTransitions].sort()).toEqual(['auto', 'explicit', 'implicit']);
  });

  it('leaves an explicit joint configuration and waits out an automatic one', () => {
    const joint = conf([1, 2, 4], { votersOutgoing: [1, 2, 3] });
    const prng = createPrng(3);
    expect(drawConfChange(prng, { config: joint, leaderId: 1, freshId: 5 })).toEqual({
      transition: 'auto',
      changes: [],
      context: new Uint8Array(0),
    });
    expect(
      drawConfChange(prng, { config: { ...joint, autoLeave: true }, leaderId: 1, freshId: 5 }),
    ).toBeUndefined();
  });
});
