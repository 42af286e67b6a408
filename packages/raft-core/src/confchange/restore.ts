// Rebuilds a tracker configuration from a ConfState (etcd's confchange.Restore) by replaying
// it as a sequence of conf changes from an empty config, so every invariant is rechecked.
import { emptyTrackerConfig } from '../tracker/tracker.js';
import type { Progress } from '../tracker/progress.js';
import type { ConfChangeSingle, ConfState } from '../types.js';
import { enterJoint, simpleChange, type ConfigAndProgress } from './changer.js';

/** The configuration and fresh progress a ConfState describes. */
export function restoreConfState(
  cs: ConfState,
  opts: { lastIndex: number; inflightMsgsMax: number; inflightBytesMax: number },
): ConfigAndProgress {
  let state: ConfigAndProgress = {
    config: emptyTrackerConfig(),
    progress: new Map<number, Progress>(),
  };
  const step = (changes: readonly ConfChangeSingle[]): void => {
    state = simpleChange({ ...opts, ...state }, changes);
  };
  const add = (ids: readonly number[], type: ConfChangeSingle['type']): ConfChangeSingle[] =>
    ids.map((nodeId) => ({ type, nodeId }));
  if (cs.votersOutgoing.length === 0) {
    for (const c of [...add(cs.voters, 'AddNode'), ...add(cs.learners, 'AddLearnerNode')]) {
      step([c]);
    }
    return state;
  }
  // Build the outgoing config one voter at a time, then enter the joint config in one go.
  for (const c of add(cs.votersOutgoing, 'AddNode')) step([c]);
  return enterJoint(
    { ...opts, ...state },
    {
      autoLeave: cs.autoLeave,
      // The incoming half starts as a copy of the outgoing one: empty it first.
      changes: [
        ...add(cs.votersOutgoing, 'RemoveNode'),
        ...add(cs.voters, 'AddNode'),
        ...add(cs.learners, 'AddLearnerNode'),
        ...add(cs.learnersNext, 'AddLearnerNode'),
      ],
    },
  );
}
