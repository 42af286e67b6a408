// Joint quorums (Raft thesis §4.3): a decision needs a majority of the incoming AND of the
// outgoing voters. Outside a joint config the outgoing set is empty and defers to the incoming.
import {
  majorityCommittedIndex,
  majorityVoteResult,
  type AckedIndexer,
  type VoteResult,
} from './majority.js';

/** The incoming and outgoing voter sets of a (possibly joint) configuration. */
export interface JointConfig {
  readonly incoming: ReadonlySet<number>;
  readonly outgoing: ReadonlySet<number>;
}

/** The largest index acknowledged by a majority of both halves. */
export function jointCommittedIndex(config: JointConfig, acked: AckedIndexer): number {
  return Math.min(
    majorityCommittedIndex(config.incoming, acked),
    majorityCommittedIndex(config.outgoing, acked),
  );
}

/** Won when both halves win, lost when either loses, otherwise pending. */
export function jointVoteResult(
  config: JointConfig,
  votes: ReadonlyMap<number, boolean>,
): VoteResult {
  const a = majorityVoteResult(config.incoming, votes);
  const b = majorityVoteResult(config.outgoing, votes);
  if (a === b) return a;
  if (a === 'VoteLost' || b === 'VoteLost') return 'VoteLost';
  return 'VotePending';
}
