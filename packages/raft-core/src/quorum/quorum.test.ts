// Goal: majority and joint quorums decide commit indexes and votes correctly. Method: worked
// examples, then fast-check properties against a brute-force reference (count the voters at or
// above each candidate index; a vote wins when every possible outcome wins).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jointCommittedIndex, jointVoteResult } from './joint.js';
import { majorityCommittedIndex, majorityVoteResult, type VoteResult } from './majority.js';

function refCommitted(voters: number[], acked: Map<number, number>): number {
  if (voters.length === 0) return Infinity;
  let best = 0;
  for (const id of voters) {
    const candidate = acked.get(id) ?? 0;
    const holders = voters.filter((v) => (acked.get(v) ?? 0) >= candidate).length;
    if (holders > voters.length / 2) best = Math.max(best, candidate);
  }
  return best;
}

function refVote(voters: number[], votes: Map<number, boolean>): VoteResult {
  if (voters.length === 0) return 'VoteWon';
  const q = Math.floor(voters.length / 2) + 1;
  const yes = voters.filter((v) => votes.get(v) === true).length;
  const no = voters.filter((v) => votes.get(v) === false).length;
  if (yes >= q) return 'VoteWon';
  if (voters.length - no >= q) return 'VotePending';
  return 'VoteLost';
}

const arbVoters = fc.uniqueArray(fc.integer({ min: 1, max: 9 }), { maxLength: 7 });

describe('majority quorum', () => {
  it('commits what a majority acknowledged', () => {
    const acked = new Map([
      [1, 5],
      [2, 3],
      [3, 9],
    ]);
    expect(majorityCommittedIndex(new Set([1, 2, 3]), (id) => acked.get(id))).toBe(5);
    expect(majorityCommittedIndex(new Set([1, 2, 3, 4]), (id) => acked.get(id))).toBe(3);
    expect(majorityCommittedIndex(new Set(), () => 0)).toBe(Infinity);
  });

  it('decides votes', () => {
    const v = new Set([1, 2, 3]);
    expect(majorityVoteResult(v, new Map([[1, true]]))).toBe('VotePending');
    expect(
      majorityVoteResult(
        v,
        new Map([
          [1, true],
          [2, true],
        ]),
      ),
    ).toBe('VoteWon');
    expect(
      majorityVoteResult(
        v,
        new Map([
          [1, false],
          [2, false],
        ]),
      ),
    ).toBe('VoteLost');
    expect(majorityVoteResult(new Set(), new Map())).toBe('VoteWon');
  });

  it('matches the reference commit index', () => {
    fc.assert(
      fc.property(
        arbVoters,
        fc.array(fc.nat(20), { minLength: 9, maxLength: 9 }),
        (voters, idx) => {
          const acked = new Map(voters.map((v) => [v, idx[v - 1] ?? 0]));
          expect(majorityCommittedIndex(new Set(voters), (id) => acked.get(id))).toBe(
            refCommitted(voters, acked),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('matches the reference vote result', () => {
    const arbVote = fc.constantFrom<boolean | undefined>(true, false, undefined);
    fc.assert(
      fc.property(arbVoters, fc.array(arbVote, { minLength: 9, maxLength: 9 }), (voters, vs) => {
        const votes = new Map<number, boolean>();
        vs.forEach((v, i) => {
          if (v !== undefined) votes.set(i + 1, v);
        });
        expect(majorityVoteResult(new Set(voters), votes)).toBe(refVote(voters, votes));
      }),
      { numRuns: 300 },
    );
  });
});

describe('joint quorum', () => {
  it('needs both halves to commit and to win', () => {
    const config = { incoming: new Set([1, 2, 3]), outgoing: new Set([3, 4, 5]) };
    const acked = new Map([
      [1, 9],
      [2, 9],
      [3, 4],
      [4, 2],
      [5, 1],
    ]);
    expect(jointCommittedIndex(config, (id) => acked.get(id))).toBe(2);
    expect(
      jointVoteResult(
        config,
        new Map([
          [1, true],
          [2, true],
        ]),
      ),
    ).toBe('VotePending');
    expect(
      jointVoteResult(
        config,
        new Map([
          [1, true],
          [2, true],
          [3, true],
          [4, true],
        ]),
      ),
    ).toBe('VoteWon');
    expect(
      jointVoteResult(
        config,
        new Map([
          [4, false],
          [5, false],
        ]),
      ),
    ).toBe('VoteLost');
  });

  it('is the min of both halves and the conjunction of votes (property)', () => {
    fc.assert(
      fc.property(
        arbVoters,
        arbVoters,
        fc.array(fc.nat(20), { minLength: 9, maxLength: 9 }),
        (a, b, idx) => {
          const acked = new Map([...a, ...b].map((v) => [v, idx[v - 1] ?? 0]));
          const got = jointCommittedIndex({ incoming: new Set(a), outgoing: new Set(b) }, (id) =>
            acked.get(id),
          );
          expect(got).toBe(Math.min(refCommitted(a, acked), refCommitted(b, acked)));
        },
      ),
      { numRuns: 300 },
    );
  });
});
