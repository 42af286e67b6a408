// Goal: the strict reconfig checks refuse exactly what etcd's mayAddMember, mayRemoveMember and
// IsReadyToPromoteMember refuse. Method: tables of member sets (started or not, learner or not)
// and connection times, checked against the error code each case must give.
import { describe, expect, it } from 'vitest';
import type { ClusterMember } from './cluster-file.js';
import { isEmbedError } from './errors.js';
import {
  checkAddMember,
  checkPromoteMember,
  checkRemoveMember,
  type ReconfigView,
} from './reconfig-checks.js';

const voter = (id: number, started = true): ClusterMember => ({
  id,
  name: started ? `m${id}` : '',
  peerUrls: [`http://127.0.0.1:${id}`],
});
const learner = (id: number): ClusterMember => ({ ...voter(id), isLearner: true });

/** Member 1 looks; `connectedMs` gives each peer's connected time (absent: not connected). */
function view(members: ClusterMember[], connectedMs: Record<number, number> = {}): ReconfigView {
  return { self: 1, members, connectedForMs: (id) => connectedMs[id] ?? 0 };
}

function outcome(fn: () => void): string {
  try {
    fn();
    return 'ok';
  } catch (e) {
    return isEmbedError(e) ? e.code : String(e);
  }
}

const healthy = { 2: 6000, 3: 6000, 4: 6000 };

describe('checkAddMember', () => {
  it.each([
    ['a lone member adds a second voter', [voter(1)], {}, false, 'ok'],
    ['a lone member adds a learner', [voter(1)], {}, true, 'ok'],
    [
      'a third voter while the second never started',
      [voter(1), voter(2, false)],
      healthy,
      false,
      'MEMBER_NOT_ENOUGH_STARTED',
    ],
    [
      'a learner while the second voter never started',
      [voter(1), voter(2, false)],
      healthy,
      true,
      'ok',
    ],
    ['a voter to three connected for 5 s', [voter(1), voter(2), voter(3)], healthy, false, 'ok'],
    [
      'a voter while one peer is connected for 4 s',
      [voter(1), voter(2), voter(3)],
      { 2: 6000, 3: 4000 },
      false,
      'UNHEALTHY',
    ],
    [
      'a learner while one voter is down',
      [voter(1), voter(2), voter(3)],
      { 2: 6000 },
      true,
      'UNHEALTHY',
    ],
    [
      'a voter while only a learner is down',
      [voter(1), voter(2), learner(3)],
      { 2: 6000 },
      false,
      'ok',
    ],
  ] as const)('%s', (...row) => {
    const [, members, connected, isLearner, want] = row;
    expect(
      outcome(() => {
        checkAddMember(view([...members], connected), isLearner);
      }),
    ).toBe(want);
  });
});

describe('checkRemoveMember', () => {
  it.each([
    ['a learner, whatever is down', [voter(1), voter(2), learner(3)], {}, 3, 'ok'],
    ['a voter that is down', [voter(1), voter(2), voter(3)], { 2: 6000 }, 3, 'ok'],
    [
      'a live voter while another is down',
      [voter(1), voter(2), voter(3)],
      { 2: 6000 },
      2,
      'UNHEALTHY',
    ],
    ['a live voter, all connected', [voter(1), voter(2), voter(3)], healthy, 2, 'ok'],
    ['itself, all connected', [voter(1), voter(2), voter(3)], healthy, 1, 'ok'],
    [
      'the only started voter of two',
      [voter(1), voter(2, false)],
      healthy,
      1,
      'MEMBER_NOT_ENOUGH_STARTED',
    ],
  ] as const)('%s', (...row) => {
    const [, members, connected, id, want] = row;
    expect(
      outcome(() => {
        checkRemoveMember(view([...members], connected), id);
      }),
    ).toBe(want);
  });
});

describe('checkPromoteMember', () => {
  it.each([
    ['to one started voter', [voter(1), learner(2)], 'ok'],
    ['to two voters of which one never started', [voter(1), voter(2, false), learner(3)], 'ok'],
    [
      'to three voters of which two never started',
      [voter(1), voter(2, false), voter(3, false), learner(4)],
      'MEMBER_NOT_ENOUGH_STARTED',
    ],
  ] as const)('%s', (_name, members, want) => {
    expect(
      outcome(() => {
        checkPromoteMember(view([...members]));
      }),
    ).toBe(want);
  });
});
