// Goal: the three-member demo names the leader of the latest term, not one a lagging member still
// believes in, and prints the change in the article's words.
import { describe, expect, it } from 'vitest';
import { describeLeaderView, leaderView } from './leader-view.js';

const names = new Map([
  [0xa1, 'm1'],
  [0xb2, 'm2'],
  [0xc3, 'm3'],
]);

describe('leaderView', () => {
  it('takes the leader named on the highest term', () => {
    const view = leaderView(
      [
        { name: 'm1', memberId: 0xa1, leader: 0xa1, raftTerm: 2 },
        { name: 'm2', memberId: 0xb2, leader: 0xc3, raftTerm: 3 },
        { name: 'm3', memberId: 0xc3, leader: 0xc3, raftTerm: 3 },
      ],
      names,
    );
    expect(view).toEqual({ leaderId: 0xc3, leaderName: 'm3', term: 3 });
    expect(describeLeaderView(view)).toBe('Leader changed: m3 (c3, term 3) is the new leader');
  });

  it('reports no leader while the latest term has none', () => {
    const view = leaderView(
      [
        { name: 'm1', memberId: 0xa1, leader: 0xa1, raftTerm: 2 },
        { name: 'm2', memberId: 0xb2, leader: 0, raftTerm: 3 },
      ],
      names,
    );
    expect(view).toEqual({ leaderId: 0, leaderName: undefined, term: 3 });
    expect(describeLeaderView(view)).toBe(
      'Leader changed: no leader (term 3); an election is under way',
    );
  });

  it('reports no leader when no member answered', () => {
    expect(leaderView([], names)).toEqual({ leaderId: 0, leaderName: undefined, term: 0 });
  });
});
