// Majority quorums: the commit index and vote outcome of one set of voters (Raft §5.2, §5.3).

/** The outcome of a vote count. */
export type VoteResult = 'VotePending' | 'VoteLost' | 'VoteWon';

/** How far a voter has acknowledged the log; `undefined` when nothing is known. */
export type AckedIndexer = (id: number) => number | undefined;

/**
 * The largest index acknowledged by a majority of `voters`. An empty config commits
 * everything (Infinity), so that in a joint config it defers to the other half.
 */
export function majorityCommittedIndex(voters: ReadonlySet<number>, acked: AckedIndexer): number {
  const n = voters.size;
  if (n === 0) return Infinity;
  // Insertion sort, descending, into a reused buffer: this runs on every acknowledgement.
  let k = 0;
  for (const id of voters) {
    const v = acked(id) ?? 0;
    let j = k++;
    while (j > 0 && (scratch[j - 1] ?? 0) < v) {
      scratch[j] = scratch[j - 1] ?? 0;
      j--;
    }
    scratch[j] = v;
  }
  // Sorted descending, the (n/2+1)-th value is held by a majority: n/2+1 voters have >= it.
  return scratch[Math.floor(n / 2)] ?? 0;
}

const scratch: number[] = [];

/**
 * Whether `votes` (true = granted) win, lose or are still pending in `voters`. An empty
 * config wins, for the same reason as above.
 */
export function majorityVoteResult(
  voters: ReadonlySet<number>,
  votes: ReadonlyMap<number, boolean>,
): VoteResult {
  if (voters.size === 0) return 'VoteWon';
  let granted = 0;
  let missing = 0;
  for (const id of voters) {
    const v = votes.get(id);
    if (v === undefined) missing++;
    else if (v) granted++;
  }
  const quorum = Math.floor(voters.size / 2) + 1;
  if (granted >= quorum) return 'VoteWon';
  if (granted + missing >= quorum) return 'VotePending';
  return 'VoteLost';
}
