// etcd's strict reconfiguration checks (`--strict-reconfig-check`, on by default), as pure
// functions of what the member knows: the member table, which members have started (published
// their name; founders count as started) and how long each peer has been connected. A change is
// refused when it would leave too few started voters for a quorum (MEMBER_NOT_ENOUGH_STARTED)
// or when this member has not been connected to the voters it needs for `reconfigHealthMs`
// (UNHEALTHY, etcd's "unhealthy cluster").
import type { ClusterMember } from './cluster-file.js';
import { EmbedError } from './errors.js';
import { reconfigHealthMs } from './limits.js';

/** What the checks look at. */
export interface ReconfigView {
  readonly self: number;
  readonly members: readonly ClusterMember[];
  /** Milliseconds member `id` has been continuously connected to this member; 0 when it is not. */
  connectedForMs(id: number): number;
}

const isStarted = (m: ClusterMember): boolean => m.name !== '';
const voters = (v: ReconfigView): ClusterMember[] => v.members.filter((m) => m.isLearner !== true);

function notEnoughStarted(): EmbedError {
  return new EmbedError({
    code: 'MEMBER_NOT_ENOUGH_STARTED',
    message: 're-configuration failed due to not enough started members',
  });
}

function unhealthy(what: string): EmbedError {
  return new EmbedError({
    code: 'UNHEALTHY',
    message: `unhealthy cluster: ${what}; retry once the members have been connected for ${reconfigHealthMs / 1000} s`,
  });
}

/** Members (of `members`) connected for `reconfigHealthMs`, this member included. */
function connectedCount(v: ReconfigView, members: readonly ClusterMember[]): number {
  return members.filter((m) => m.id === v.self || v.connectedForMs(m.id) >= reconfigHealthMs)
    .length;
}

/**
 * Adding a member (etcd's mayAddMember): a voter only when the started voters stay a quorum of
 * the grown cluster (a lone started member may add a second), and any member only when this
 * member is connected to every voter.
 * @throws EmbedError MEMBER_NOT_ENOUGH_STARTED, UNHEALTHY
 */
export function checkAddMember(v: ReconfigView, isLearner: boolean): void {
  const vs = voters(v);
  if (!isLearner) {
    const members = vs.length + 1;
    const started = vs.filter(isStarted).length;
    const lonePlusOne = started === 1 && members === 2;
    if (!lonePlusOne && started < Math.floor(members / 2) + 1) throw notEnoughStarted();
  }
  if (connectedCount(v, vs) !== vs.length) throw unhealthy('not connected to every voting member');
}

/**
 * Removing a member (etcd's mayRemoveMember): a learner always; a voter only when the started
 * voters left are a quorum, and, unless it is down (not connected), when the voters connected
 * to this member stay a quorum without it.
 * @throws EmbedError MEMBER_NOT_ENOUGH_STARTED, UNHEALTHY
 */
export function checkRemoveMember(v: ReconfigView, id: number): void {
  const vs = voters(v);
  if (!vs.some((m) => m.id === id)) return;
  const rest = vs.filter((m) => m.id !== id);
  if (rest.filter(isStarted).length < Math.floor(rest.length / 2) + 1) throw notEnoughStarted();
  if (id !== v.self && v.connectedForMs(id) === 0) return;
  const active = connectedCount(v, vs);
  if (active - 1 < 1 + Math.floor((vs.length - 1) / 2)) {
    throw unhealthy('removing this member would leave too few connected voting members');
  }
}

/**
 * Promoting a learner (etcd's IsReadyToPromoteMember): the started voters and the learner must
 * be a quorum of the grown cluster.
 * @throws EmbedError MEMBER_NOT_ENOUGH_STARTED
 */
export function checkPromoteMember(v: ReconfigView): void {
  const vs = voters(v);
  const members = vs.length + 1;
  const started = vs.filter(isStarted).length + 1;
  if (started < Math.floor(members / 2) + 1) throw notEnoughStarted();
}
