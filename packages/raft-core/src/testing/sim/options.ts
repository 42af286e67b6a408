// The option set of one simulator run. Every seed draws its own set from its generator before the
// first step (swarm testing, as TigerBeetle's VOPR does): some runs lose many messages, some
// crash often, some never partition, so faults combine in ways a single fixed mix would not reach.
import { assert } from '../../assert.js';
import type { Prng } from '../prng.js';

/** Everything a run varies, drawn per seed by `drawSimOptions`. Rates are per step, in [0, 1). */
export interface SimOptions {
  /** Members at the start: 3, 5 or 7 voters with ids 1..memberCount. */
  readonly memberCount: number;
  /** Ids above memberCount, up to this, may be added by conf changes. */
  readonly idMax: number;
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  readonly readOnlyOption: 'safe' | 'leaseBased';
  readonly stepDownOnRemoval: boolean;
  readonly disableProposalForwarding: boolean;
  readonly maxSizePerMsgBytes: number;
  readonly maxInflightMsgs: number;
  /** Probability that a sent message is lost. */
  readonly dropRate: number;
  /** Probability that a sent message is delivered twice. */
  readonly duplicateRate: number;
  /** A message becomes deliverable after 0..delayTicksMax ticks. */
  readonly delayTicksMax: number;
  /** Whether delivery picks any deliverable message rather than the oldest. */
  readonly reorder: boolean;
  /** Relative weights of the events a step draws from. */
  readonly weights: SimWeights;
  /** Probability that a node's Ready is handled right after an event touched it. */
  readonly readyEagerRate: number;
  /** A node compacts its log after applying this many entries past its snapshot; 0: never. */
  readonly snapshotEveryEntries: number;
  /** Entries kept behind a compaction point, so slow followers sometimes avoid a snapshot. */
  readonly compactKeepEntries: number;
}

/** Relative weights of the step events. A weight of 0 turns the event off for the run. */
export interface SimWeights {
  readonly deliver: number;
  readonly tick: number;
  readonly ready: number;
  readonly propose: number;
  readonly confChange: number;
  readonly transfer: number;
  readonly readIndex: number;
  readonly crash: number;
  readonly partition: number;
  readonly heal: number;
}

/** The kinds of step event, in the fixed order the weighted draw walks. */
export const simEventKinds = [
  'deliver',
  'tick',
  'ready',
  'propose',
  'confChange',
  'transfer',
  'readIndex',
  'crash',
  'partition',
  'heal',
] as const;
/** One of `simEventKinds`. */
export type SimEventKind = (typeof simEventKinds)[number];

function pick<T>(prng: Prng, values: readonly T[]): T {
  const v = values[prng.nextInt(values.length)];
  assert(v !== undefined, 'pick from an empty list');
  return v;
}

function drawWeights(prng: Prng): SimWeights {
  // Each optional fault is off in about a quarter of the runs, so runs without it exist too.
  const maybe = (w: number): number => (prng.chance(0.25) ? 0 : w);
  return {
    deliver: 40 + prng.nextInt(40),
    tick: 4 + prng.nextInt(10),
    ready: 10 + prng.nextInt(20),
    propose: 4 + prng.nextInt(12),
    confChange: maybe(1 + prng.nextInt(2)),
    transfer: maybe(1),
    readIndex: maybe(1 + prng.nextInt(4)),
    // Crash-heavy runs stack up leaders of successive terms with divergent logs (Raft paper
    // figure 8), the histories that catch commit-rule bugs.
    crash: maybe(pick(prng, [1, 1, 4, 8])),
    partition: maybe(1),
    heal: 1 + prng.nextInt(3),
  };
}

/** Draws the option set of one run from `prng`, the run's only source of randomness. */
export function drawSimOptions(prng: Prng): SimOptions {
  const memberCount = pick(prng, [3, 5, 7]);
  const heartbeatTicks = 1 + prng.nextInt(2);
  const checkQuorum = prng.chance(0.5);
  const readOnlyOption = checkQuorum && prng.chance(0.5) ? 'leaseBased' : 'safe';
  const snapshot = prng.chance(0.6);
  const electionTicks = heartbeatTicks * (5 + prng.nextInt(6));
  return {
    memberCount,
    idMax: memberCount + 1 + prng.nextInt(3),
    electionTicks,
    heartbeatTicks,
    preVote: prng.chance(0.5),
    checkQuorum,
    readOnlyOption,
    stepDownOnRemoval: prng.chance(0.5),
    disableProposalForwarding: prng.chance(0.2),
    maxSizePerMsgBytes: pick(prng, [1, 256, 4096, 1 << 20]),
    maxInflightMsgs: pick(prng, [1, 4, 256]),
    dropRate: pick(prng, [0, 0.01, 0.05, 0.2]),
    duplicateRate: pick(prng, [0, 0.01, 0.05]),
    // Delays stay below half an election timeout: longer ones stop every election from
    // finishing, which tests nothing but patience.
    delayTicksMax: pick(prng, [0, 1, 2, Math.floor(electionTicks / 2)]),
    reorder: prng.chance(0.5),
    weights: drawWeights(prng),
    readyEagerRate: pick(prng, [0.5, 0.8, 1]),
    snapshotEveryEntries: snapshot ? 2 + prng.nextInt(30) : 0,
    compactKeepEntries: prng.nextInt(8),
  };
}

/** One line naming every option, printed after `SEED=<n>` so a run can be read back. */
export function describeSimOptions(o: SimOptions): string {
  const w = o.weights;
  const weights = simEventKinds.map((k) => `${k}:${w[k]}`).join(',');
  return [
    `members=${o.memberCount} idMax=${o.idMax}`,
    `election=${o.electionTicks} heartbeat=${o.heartbeatTicks}`,
    `preVote=${o.preVote} checkQuorum=${o.checkQuorum} readOnly=${o.readOnlyOption}`,
    `stepDownOnRemoval=${o.stepDownOnRemoval} noForwarding=${o.disableProposalForwarding}`,
    `maxSizePerMsg=${o.maxSizePerMsgBytes} maxInflight=${o.maxInflightMsgs}`,
    `drop=${o.dropRate} dup=${o.duplicateRate} delay=${o.delayTicksMax} reorder=${o.reorder}`,
    `readyEager=${o.readyEagerRate} snapshotEvery=${o.snapshotEveryEntries}`,
    `keep=${o.compactKeepEntries} weights=${weights}`,
  ].join(' ');
}
