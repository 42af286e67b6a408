// Draws random membership changes that are valid against the leader's current configuration:
// single-step changes (add or remove a voter or learner, promote, demote) and joint ones (replace
// a voter, or one change entered jointly), each transition kind included, and leaving a joint
// configuration when it is not left automatically. The leader accepts a conf change only when
// its previous one is applied, so its configuration is the one the change will meet (etcd's
// pendingConfIndex rule); the simulator proposes conf changes on leaders only.
import type { ConfChange, ConfChangeSingle, ConfState } from '../../types.js';
import type { Prng } from '../prng.js';

const noContext = new Uint8Array(0);

function pickOne(prng: Prng, ids: readonly number[]): number | undefined {
  return ids.length === 0 ? undefined : ids[prng.nextInt(ids.length)];
}

function simple(change: ConfChangeSingle): ConfChange {
  return { transition: 'auto', changes: [change], context: noContext };
}

/** What a change may use: the configuration, and the ids never used by any node so far. */
export interface ConfChangeInput {
  readonly config: ConfState;
  /** The leader proposing the change: never removed or demoted by it (see below). */
  readonly leaderId: number;
  /** An id no node has ever had, or undefined when all are used. */
  readonly freshId: number | undefined;
}

/**
 * A random conf change valid for `input.config`, or undefined when none fits (a joint
 * configuration that raft leaves by itself). Never removes the last voter.
 */
export function drawConfChange(prng: Prng, input: ConfChangeInput): ConfChange | undefined {
  const { config, freshId } = input;
  if (config.votersOutgoing.length > 0) {
    return config.autoLeave ? undefined : { transition: 'auto', changes: [], context: noContext };
  }
  const voters = config.voters;
  const canShrink = voters.length > 1;
  // Raft applies configurations when they commit, not when they are appended, so a leader that
  // removes itself can leave the others waiting for its vote after it stepped down (etcd
  // issues 11038 and 12359). etcd's server moves leadership away before removing the leader;
  // this embedder does the same: it never removes or demotes the leader that proposes.
  const voter = pickOne(
    prng,
    voters.filter((id) => id !== input.leaderId),
  );
  const learner = pickOne(prng, config.learners);
  const options: (() => ConfChange | undefined)[] = [
    () => (freshId === undefined ? undefined : simple({ type: 'AddLearnerNode', nodeId: freshId })),
    () => (freshId === undefined ? undefined : simple({ type: 'AddNode', nodeId: freshId })),
    () => (learner === undefined ? undefined : simple({ type: 'AddNode', nodeId: learner })),
    () => (learner === undefined ? undefined : simple({ type: 'RemoveNode', nodeId: learner })),
    () =>
      canShrink && voter !== undefined
        ? simple({ type: prng.chance(0.5) ? 'RemoveNode' : 'AddLearnerNode', nodeId: voter })
        : undefined,
    () => drawJoint(prng, { voter, freshId }),
  ];
  const option = options[prng.nextInt(options.length)];
  return option?.();
}

function drawJoint(
  prng: Prng,
  ids: { voter: number | undefined; freshId: number | undefined },
): ConfChange | undefined {
  if (ids.freshId === undefined || ids.voter === undefined) return undefined;
  const transitions = ['auto', 'implicit', 'explicit'] as const;
  const transition = transitions[prng.nextInt(transitions.length)] ?? 'auto';
  const changes: ConfChangeSingle[] = [{ type: 'AddNode', nodeId: ids.freshId }];
  // Replace a voter, or (one time in three) enter a joint config with the addition alone.
  if (prng.nextInt(3) > 0) {
    changes.push({ type: prng.chance(0.5) ? 'RemoveNode' : 'AddLearnerNode', nodeId: ids.voter });
  }
  // One change with the 'auto' transition would be a simple change: make it joint explicitly.
  const joint = changes.length === 1 && transition === 'auto' ? 'implicit' : transition;
  return { transition: joint, changes, context: noContext };
}
