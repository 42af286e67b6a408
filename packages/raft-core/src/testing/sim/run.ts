// One simulator run: a safety phase of `steps` random steps with faults on, then a liveness
// phase in which the network heals, every member runs, and a leader must be elected and commit a
// probe entry within a bound of ticks. The run is a pure function of its seed.
import { AssertionError } from '../../assert.js';
import { SimViolationError } from './checkers.js';
import type { SimCheckerName } from './checkers.js';
import { Cluster, payloadKinds } from './cluster.js';
import type { ClusterStats } from './cluster.js';
import { describeSimOptions } from './options.js';
import { tolerateRaftError } from './sim-node.js';
import type { SimOptions } from './options.js';

/** How long the liveness phase may take, in election timeouts. */
export const simLivenessElectionsMax = 40;
/** The most Ready/delivery rounds one settle may take before it gives up (it then ticks). */
export const simSettleRoundsMax = 200;

/** A property that failed, with the step it failed at (steps + liveness ticks). */
export interface SimViolation {
  readonly checker: SimCheckerName;
  readonly message: string;
  readonly step: number;
  readonly phase: 'safety' | 'liveness';
}

/** The outcome of one run. */
export interface SimRunResult {
  readonly seed: number;
  readonly options: SimOptions;
  /** `describeSimOptions(options)`. */
  readonly optionsLine: string;
  readonly violation: SimViolation | undefined;
  readonly stats: ClusterStats & {
    readonly livenessTicks: number;
    readonly committedIndex: number;
    readonly leaders: number;
  };
}

/** What a run does; `steps` is the length of the safety phase. */
export interface SimRunConfig {
  readonly steps: number;
  /** Runs the liveness phase after the safety phase (default true). */
  readonly liveness?: boolean;
}

function toViolation(e: unknown, phase: SimViolation['phase'], step: number): SimViolation {
  if (e instanceof SimViolationError)
    return { checker: e.checker, message: e.message, step, phase };
  // Anything else thrown out of raft (an assertion, a TypeError) is a failure of the node.
  const what = e instanceof AssertionError ? 'assertion failed' : 'threw';
  const err = e instanceof Error ? e : new Error(String(e));
  const where = (err.stack ?? '').split('\n').slice(1, 4).join(' |').trim();
  return { checker: 'node-failure', message: `${what}: ${err.message} ${where}`, step, phase };
}

/** Handles Readies and delivers due messages until the cluster is quiet, within a bound. */
export function settle(cluster: Cluster): void {
  for (let round = 0; round < simSettleRoundsMax; round++) {
    let busy = false;
    for (const node of cluster.upNodes()) busy = node.handleReady() || busy;
    for (let n = cluster.network.size(); n > 0; n--) {
      if (cluster.deliverOne() === undefined) break;
      busy = true;
    }
    if (!busy) return;
  }
}

/**
 * Stops each removed member once every other running member applied its removal, as an
 * operator retires it. Sooner would be wrong: a member that has not applied the removal still
 * counts the removed one in its quorum. Never is wrong too: a leader removed without
 * stepDownOnRemoval keeps leading without taking proposals (as in etcd).
 */
export function stopRemoved(cluster: Cluster): void {
  const up = cluster.upNodes();
  for (const [id, index] of cluster.removed) {
    const node = cluster.nodes.get(id);
    if (node?.isUp() !== true) continue;
    const caughtUp = up.every((n) => cluster.removed.has(n.id) || n.sm.index >= index);
    if (caughtUp) node.crash(false);
  }
}

/**
 * Heals the network, restarts every member (stopping removed ones once safe), then ticks until a
 * leader commits a probe entry. Returns the ticks it took.
 * @throws SimViolationError `liveness` when no probe commits within the bound.
 */
export function runLiveness(cluster: Cluster): number {
  cluster.network.heal();
  cluster.network.setFaults(false);
  // Removed members start too: the others may still need them to commit their own removal.
  for (const node of cluster.nodes.values()) if (!node.isUp()) node.start();
  const probe = { committed: false };
  cluster.onProbeApplied = () => {
    probe.committed = true;
  };
  const { electionTicks } = cluster.options;
  const ticksMax = simLivenessElectionsMax * electionTicks;
  let proposedTo = '';
  for (let t = 0; t < ticksMax; t++) {
    stopRemoved(cluster);
    cluster.tick();
    settle(cluster);
    if (probe.committed) return t + 1;
    const leader = cluster.leader();
    const raw = leader?.raw;
    if (leader === undefined || raw === undefined) continue;
    // Propose once per leader and term, and again every election timeout (it may be dropped).
    const at = `${leader.id}/${leader.storage.initialState().hardState.term}`;
    if (at === proposedTo && t % electionTicks !== 0) continue;
    proposedTo = at;
    const data = cluster.nextPayload(payloadKinds.probe);
    // A dropped probe (transfer in progress, leadership lost) is proposed again later.
    tolerateRaftError(() => {
      raw.propose(data);
    });
  }
  const leader = cluster.leader();
  throw new SimViolationError(
    'liveness',
    `no probe committed within ${ticksMax} ticks after healing (leader: ${leader?.id ?? 'none'})`,
  );
}

/** Runs seed `seed` for `config.steps` steps and then the liveness phase. */
export function runSeed(seed: number, config: SimRunConfig): SimRunResult {
  const cluster = new Cluster(seed);
  let violation: SimViolation | undefined;
  let livenessTicks = 0;
  try {
    for (let i = 0; i < config.steps; i++) cluster.step();
  } catch (e) {
    violation = toViolation(e, 'safety', cluster.stats.steps);
  }
  if (violation === undefined && config.liveness !== false) {
    try {
      livenessTicks = runLiveness(cluster);
    } catch (e) {
      violation = toViolation(e, 'liveness', cluster.stats.steps);
    }
  }
  return {
    seed,
    options: cluster.options,
    optionsLine: describeSimOptions(cluster.options),
    violation,
    stats: {
      ...cluster.stats,
      livenessTicks,
      committedIndex: cluster.checker.ackedIndex,
      leaders: cluster.checker.leaderCount(),
    },
  };
}
