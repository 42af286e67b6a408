// Goal: the changer computes joint and simple configurations as etcd's does and refuses
// invalid transitions; restore rebuilds any ConfState, joint ones included.
import { describe, expect, it } from 'vitest';
import { describeConfig } from '../tracker/tracker.js';
import type { ConfChangeSingle, ConfState } from '../types.js';
import {
  ConfChangeRefused,
  enterJoint,
  leaveJoint,
  simpleChange,
  type ConfigAndProgress,
} from './changer.js';
import { restoreConfState } from './restore.js';

const limits = { lastIndex: 10, inflightMsgsMax: 4, inflightBytesMax: 0 };
const cs = (voters: number[], learners: number[] = []): ConfState => ({
  voters,
  learners,
  votersOutgoing: [],
  learnersNext: [],
  autoLeave: false,
});
const ch = (spec: string): ConfChangeSingle[] =>
  spec.split(' ').map((s) => ({
    type: s.startsWith('v') ? 'AddNode' : s.startsWith('l') ? 'AddLearnerNode' : 'RemoveNode',
    nodeId: Number(s.slice(1)),
  }));
const input = (st: ConfigAndProgress) => ({ ...limits, ...st });

describe('confchange', () => {
  it('enters and leaves a joint config, demoting a voter through learnersNext', () => {
    const start = restoreConfState(cs([1, 2, 3]), limits);
    const joint = enterJoint(input(start), { autoLeave: true, changes: ch('r3 l3 v4') });
    expect(describeConfig(joint.config)).toBe(
      'voters=(1 2 4)&&(1 2 3) learners_next=(3) autoleave',
    );
    const left = leaveJoint(input(joint));
    expect(describeConfig(left.config)).toBe('voters=(1 2 4) learners=(3)');
    expect(left.progress.get(3)?.isLearner).toBe(true);
    expect(start.progress.get(3)?.isLearner).toBe(false); // the input is never changed
  });

  it('applies single-step changes and promotes learners', () => {
    let st = restoreConfState(cs([1], [2]), limits);
    st = simpleChange(input(st), ch('v2'));
    expect(describeConfig(st.config)).toBe('voters=(1 2)');
    st = simpleChange(input(st), ch('l3'));
    st = simpleChange(input(st), ch('r1'));
    expect(describeConfig(st.config)).toBe('voters=(2) learners=(3)');
    expect(st.progress.has(1)).toBe(false);
  });

  it('refuses invalid transitions', () => {
    const st = restoreConfState(cs([1, 2]), limits);
    const joint = enterJoint(input(st), { autoLeave: false, changes: ch('v3') });
    const refusals: (() => unknown)[] = [
      () => simpleChange(input(st), ch('v3 v4')),
      () => simpleChange(input(st), ch('r1 r2')),
      () => leaveJoint(input(st)),
      () => enterJoint(input(joint), { autoLeave: false, changes: ch('v5') }),
      () => simpleChange(input(joint), ch('v5')),
      () =>
        enterJoint(input(restoreConfState(cs([]), limits)), {
          autoLeave: false,
          changes: ch('v1'),
        }),
    ];
    for (const fn of refusals) expect(fn).toThrow(ConfChangeRefused);
  });

  it('restores joint configurations', () => {
    const joint: ConfState = {
      voters: [1, 2, 4],
      learners: [5],
      votersOutgoing: [1, 2, 3],
      learnersNext: [3],
      autoLeave: true,
    };
    const st = restoreConfState(joint, limits);
    expect(describeConfig(st.config)).toBe(
      'voters=(1 2 4)&&(1 2 3) learners=(5) learners_next=(3) autoleave',
    );
    expect([...st.progress.keys()].sort()).toEqual([1, 2, 3, 4, 5]);
  });
});
