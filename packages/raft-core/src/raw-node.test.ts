// Goal: RawNode end to end in a small in-memory cluster: election, replication, proposals,
// the public error codes, and the Ready contract (handed-out data is never mutated).
import { describe, expect, it } from 'vitest';
import { isRaftError, StorageError } from './errors.js';
import { RawNode } from './raw-node.js';
import { InteractionEnv } from './testing/interaction-env.js';
import { MemoryStorage } from './testing/memory-storage.js';
import { createPrng } from './testing/prng.js';
import type { ConfState, Message, Snapshot } from './types.js';

/** A real MemoryStorage whose snapshot is not ready until `ready` is set. */
class SlowSnapshotStorage extends MemoryStorage {
  ready = false;
  override snapshot(): Snapshot {
    if (!this.ready) throw new StorageError({ code: 'SNAPSHOT_TEMPORARILY_UNAVAILABLE' });
    return super.snapshot();
  }
}

const voters = (...ids: number[]): ConfState => ({
  voters: ids,
  learners: [],
  votersOutgoing: [],
  learnersNext: [],
  autoLeave: false,
});
const enc = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

function codeOf(fn: () => void): string {
  try {
    fn();
  } catch (e) {
    if (isRaftError(e)) return e.code;
    throw e;
  }
  return 'ok';
}

describe('RawNode', () => {
  it('elects a leader and replicates and applies proposals on every member', () => {
    const env = new InteractionEnv();
    env.addNodes([1, 2, 3], voters(1, 2, 3));
    env.get(1).node.campaign();
    env.stabilize();
    expect(env.get(1).node.status().softState).toEqual({ lead: 1, raftState: 'StateLeader' });
    env.get(1).node.propose(enc('a'));
    env.get(2).node.propose(enc('b')); // forwarded to the leader
    env.stabilize();
    for (const id of [1, 2, 3]) {
      const data = env
        .get(id)
        .applied.filter((e) => e.data.length > 0)
        .map((e) => String.fromCharCode(...e.data));
      expect(data).toEqual(['a', 'b']);
      expect(env.get(id).node.status().hardState).toEqual({ term: 1, vote: 1, commit: 3 });
    }
  });

  it('elects a leader by ticking alone', () => {
    const env = new InteractionEnv();
    env.addNodes([1, 2, 3], voters(1, 2, 3));
    for (let t = 0; t < 40; t++) {
      for (const id of env.ids()) env.get(id).node.tick();
      env.stabilize();
    }
    const leaders = env
      .ids()
      .filter((id) => env.get(id).node.status().softState.raftState === 'StateLeader');
    expect(leaders).toHaveLength(1);
  });

  it('throws PROPOSAL_DROPPED without a leader', () => {
    const env = new InteractionEnv();
    env.addNodes([1, 2, 3], voters(1, 2, 3));
    expect(
      codeOf(() => {
        env.get(1).node.propose(enc('x'));
      }),
    ).toBe('PROPOSAL_DROPPED');
  });

  it('throws STEP_LOCAL_MSG and STEP_PEER_NOT_FOUND', () => {
    const env = new InteractionEnv();
    env.addNodes([1, 2, 3], voters(1, 2, 3));
    const n = env.get(1).node;
    const base: Message = {
      type: 'MsgHup',
      to: 1,
      from: 2,
      term: 0,
      logTerm: 0,
      index: 0,
      entries: [],
      commit: 0,
      reject: false,
      rejectHint: 0,
      context: new Uint8Array(),
    };
    expect(
      codeOf(() => {
        n.step(base);
      }),
    ).toBe('STEP_LOCAL_MSG');
    expect(
      codeOf(() => {
        n.step({ ...base, type: 'MsgAppResp', from: 9, term: 1 });
      }),
    ).toBe('STEP_PEER_NOT_FOUND');
  });

  it('throws INVALID_CONFIG naming the field', () => {
    const storage = new MemoryStorage();
    const random = createPrng(1);
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ id: 0 }, /id/],
      [{ electionTick: 1, heartbeatTick: 1 }, /electionTick/],
      [{ heartbeatTick: 0 }, /heartbeatTick/],
      [{ readOnlyOption: 'leaseBased' }, /readOnlyOption/],
      [{ maxInflightMsgs: 0 }, /maxInflightMsgs/],
      [{ maxInflightBytes: 10, maxSizePerMsg: 100 }, /maxInflightBytes/],
      [{ applied: 5 }, /applied/],
    ];
    for (const [override, field] of bad) {
      let caught: unknown;
      try {
        new RawNode({ id: 1, electionTick: 10, heartbeatTick: 1, storage, random, ...override });
      } catch (e) {
        caught = e;
      }
      expect(isRaftError(caught, 'INVALID_CONFIG')).toBe(true);
      expect((caught as Error).message).toMatch(field);
    }
  });

  it('never mutates entries and messages it handed out', () => {
    const env = new InteractionEnv();
    env.addNodes([1, 2, 3], voters(1, 2, 3));
    env.get(1).node.campaign();
    const n = env.get(1);
    const rd = n.node.ready();
    const frozen = JSON.stringify(rd);
    env.queue.push(...rd.messages);
    n.storage.setHardState(rd.hardState ?? { term: 0, vote: 0, commit: 0 });
    n.node.advance();
    env.stabilize();
    n.node.propose(enc('z'));
    env.stabilize();
    expect(JSON.stringify(rd)).toBe(frozen);
  });

  it('waits for a snapshot that is SNAPSHOT_TEMPORARILY_UNAVAILABLE, then sends it', () => {
    const env = new InteractionEnv();
    env.addNodes([1, 2, 3], voters(1, 2, 3));
    const leader = env.get(1);
    const storage = new SlowSnapshotStorage({ confState: voters(1, 2, 3) });
    leader.storage = storage;
    env.restart(1);
    leader.node.campaign();
    env.stabilize();
    leader.node.propose(enc('a'));
    env.stabilize([1, 2]);
    env.queue = env.queue.filter((m) => m.to !== 3);
    storage.createSnapshot(2, voters(1, 2, 3), enc('snap'));
    storage.compact(2);
    leader.node.reportUnreachable(3);
    const round = (): void => {
      for (let i = 0; i < 3; i++) leader.node.tick();
      env.stabilize();
    };
    round();
    expect(env.get(3).storage.snapshot().metadata.index).toBe(0);
    expect(env.get(3).node.status().hardState.commit).toBe(1);
    storage.ready = true;
    round();
    expect(env.get(3).storage.snapshot().metadata.index).toBe(2);
    expect(env.get(3).node.status().hardState.commit).toBe(2);
  });

  it('ignores a snapshot that is not newer than its commit', () => {
    const env = new InteractionEnv();
    env.addNodes([1, 2, 3], voters(1, 2, 3));
    env.get(1).node.campaign();
    env.stabilize();
    env.get(1).node.propose(enc('a'));
    env.stabilize();
    const follower = env.get(2);
    const before = follower.node.status().hardState;
    expect(before.commit).toBe(2);
    const stale: Message = {
      type: 'MsgSnap',
      to: 2,
      from: 1,
      term: 1,
      logTerm: 0,
      index: 0,
      entries: [],
      commit: 0,
      reject: false,
      rejectHint: 0,
      context: new Uint8Array(),
      snapshot: { data: enc('old'), metadata: { index: 1, term: 1, confState: voters(1, 2, 3) } },
    };
    follower.node.step(stale);
    const rd = follower.node.ready();
    expect(rd.snapshot).toBeUndefined();
    expect(rd.messages.map((m) => [m.type, m.index])).toEqual([['MsgAppResp', 2]]);
    follower.node.advance();
    expect(follower.node.status().hardState).toEqual(before);
  });

  it('restarts from storage with applied set and hands out only later entries', () => {
    const env = new InteractionEnv();
    env.addNodes([1, 2, 3], voters(1, 2, 3));
    env.get(1).node.campaign();
    env.stabilize();
    env.get(1).node.propose(enc('a'));
    env.get(1).node.propose(enc('b'));
    env.stabilize();
    const n = env.get(3);
    const node = new RawNode({
      ...n.config,
      storage: n.storage,
      random: createPrng(9),
      applied: 2,
    });
    const rd = node.ready();
    expect(rd.committedEntries.map((e) => e.index)).toEqual([3]);
    expect(node.status().hardState).toEqual({ term: 1, vote: 1, commit: 3 });
  });
});
