// The leader's bookkeeping over the whole configuration (etcd's ProgressTracker): the voter
// sets (joint or not), learners, one Progress per member, and the votes of an election.
import { jointCommittedIndex, jointVoteResult, type JointConfig } from '../quorum/joint.js';
import type { VoteResult } from '../quorum/majority.js';
import type { ConfState } from '../types.js';
import type { Progress } from './progress.js';

/** A membership configuration as the tracker holds it. */
export interface TrackerConfig {
  readonly voters: JointConfig;
  /** Learners; disjoint from both voter sets. */
  readonly learners: ReadonlySet<number>;
  /** Outgoing voters that become learners when the joint config is left. */
  readonly learnersNext: ReadonlySet<number>;
  readonly autoLeave: boolean;
}

/** A config with no members. */
export function emptyTrackerConfig(): TrackerConfig {
  return {
    voters: { incoming: new Set(), outgoing: new Set() },
    learners: new Set(),
    learnersNext: new Set(),
    autoLeave: false,
  };
}

/** Ascending ids of a set. */
export function sortedIds(ids: Iterable<number>): number[] {
  return [...ids].sort((a, b) => a - b);
}

/** Whether the config is joint (has outgoing voters). */
export function isJoint(config: TrackerConfig): boolean {
  return config.voters.outgoing.size > 0;
}

/** The ConfState a tracker config corresponds to. */
export function toConfState(config: TrackerConfig): ConfState {
  return {
    voters: sortedIds(config.voters.incoming),
    learners: sortedIds(config.learners),
    votersOutgoing: sortedIds(config.voters.outgoing),
    learnersNext: sortedIds(config.learnersNext),
    autoLeave: config.autoLeave,
  };
}

/** `voters=(1 2 3)&&(1 2) learners=(4)`, for transcripts. */
export function describeConfig(config: TrackerConfig): string {
  const set = (s: ReadonlySet<number>): string => `(${sortedIds(s).join(' ')})`;
  let s = `voters=${set(config.voters.incoming)}`;
  if (isJoint(config)) s += `&&${set(config.voters.outgoing)}`;
  if (config.learners.size > 0) s += ` learners=${set(config.learners)}`;
  if (config.learnersNext.size > 0) s += ` learners_next=${set(config.learnersNext)}`;
  if (config.autoLeave) s += ' autoleave';
  return s;
}

/** Tracks the configuration, the progress of every member and the votes of an election. */
export class ProgressTracker {
  config: TrackerConfig = emptyTrackerConfig();
  progress = new Map<number, Progress>();
  private readonly votes = new Map<number, boolean>();

  constructor(
    readonly inflightMsgsMax: number,
    readonly inflightBytesMax: number,
  ) {}

  /** The largest index a quorum of voters has durably matched. */
  committed(): number {
    return jointCommittedIndex(this.config.voters, (id) => this.progress.get(id)?.match);
  }

  /** Whether the voters are exactly one member. */
  isSingleton(): boolean {
    return this.config.voters.incoming.size === 1 && this.config.voters.outgoing.size === 0;
  }

  /** Whether `id` is a voter of either half. */
  isVoter(id: number): boolean {
    return this.config.voters.incoming.has(id) || this.config.voters.outgoing.has(id);
  }

  private idsCache: readonly number[] = [];
  private idsCacheFor: ReadonlyMap<number, Progress> | undefined = undefined;

  /**
   * Member ids (voters and learners) in ascending order. Cached per progress map: a map is
   * only replaced as a whole (conf changes), never has members added or removed in place.
   */
  ids(): readonly number[] {
    if (this.idsCacheFor !== this.progress) {
      this.idsCache = sortedIds(this.progress.keys());
      this.idsCacheFor = this.progress;
    }
    return this.idsCache;
  }

  /** Calls `fn` for each member in ascending id order (determinism, STYLE.md §7). */
  visit(fn: (id: number, pr: Progress) => void): void {
    for (const id of this.ids()) {
      const pr = this.progress.get(id);
      if (pr !== undefined) fn(id, pr);
    }
  }

  /** Whether a quorum of voters has been recently active (`self` counts as active). */
  quorumActive(self: number): boolean {
    const votes = new Map<number, boolean>();
    this.visit((id, pr) => {
      if (!pr.isLearner) votes.set(id, id === self || pr.recentActive);
    });
    return jointVoteResult(this.config.voters, votes) === 'VoteWon';
  }

  /** Forgets all votes. */
  resetVotes(): void {
    this.votes.clear();
  }

  /** Records `id`'s vote, keeping the first one it cast. */
  recordVote(id: number, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  /** The granted and rejected counts and the overall result. */
  tallyVotes(): { granted: number; rejected: number; result: VoteResult } {
    let granted = 0;
    let rejected = 0;
    for (const [id, pr] of this.progress) {
      if (pr.isLearner) continue;
      const v = this.votes.get(id);
      if (v === true) granted++;
      else if (v === false) rejected++;
    }
    return { granted, rejected, result: jointVoteResult(this.config.voters, this.votes) };
  }
}
