// Goal: lease checkpoints as etcd makes them. With them on, a lease's remaining TTL survives a
// leader change (the new leader counts down from the last checkpoint, not from the whole TTL),
// and a renewal clears the checkpoint through the log, so the leader after that gives the
// renewed lease its whole TTL again; with them off (the default), a new leader gives every lease
// its whole TTL again. Method: three real members in one process (LMDB in temp dirs, ws peers on
// 127.0.0.1), leadership moved with moveLeader (etcd's MoveLeader), real time: TTLs are whole
// seconds, so the tests let a few seconds pass and compare with margins of seconds.
import { describe, expect, it } from 'vitest';
import type { Server, ServerConfig } from '../src/index.js';
import { agreedLeader, testMembers } from './cluster.js';
import { b, pause, s, within } from './helpers.js';

const t = testMembers({ close: { skipLeaderTransfer: true } });

/** Starts m0..m2 with `extra` and returns them with their leader. */
async function cluster(extra: ServerConfig): Promise<{ members: Server[]; leader: Server }> {
  const members = await t.startFounders({ extraOf: () => extra });
  return { members, leader: await within(agreedLeader(members), 10_000, 'election') };
}

/** Moves leadership from `leader` to another member and returns the new leader. */
async function moveLeader(members: readonly Server[], leader: Server): Promise<Server> {
  const next = members.find((m) => m !== leader) as Server;
  await within(leader.cluster.moveLeader(next.memberId), 10_000, 'leader transfer');
  expect(await within(agreedLeader(members), 10_000, 'agreement')).toBe(next);
  return next;
}

const ttlSeconds = 60;

describe('lease checkpoints', () => {
  it('on: a new leader expires a lease from its checkpointed remaining TTL', async () => {
    const { members, leader } = await cluster({
      enableLeaseCheckpoint: true,
      leaseCheckpointIntervalMs: 2000,
    });
    const grant = await leader.lease.grant({ TTL: ttlSeconds });
    await leader.kv.put({ key: b('cp'), value: b('v'), lease: grant.ID });
    // Checkpoints at about 2, 4 and 6 s record 58, 56 and 54 s left.
    await pause(6500);
    const second = await moveLeader(members, leader);
    const moved = await second.lease.timeToLive({ ID: grant.ID });
    // From the whole TTL it would be 60 (60 s + the 0.2 s election timeout, read at once).
    expect(moved.TTL).toBeLessThanOrEqual(57);
    expect(moved.TTL).toBeGreaterThanOrEqual(30);
    expect(moved.grantedTTL).toBe(ttlSeconds);
    // A renewal clears the checkpoint through the log: the next leader counts from the renewal
    // (the whole TTL, or a checkpoint taken since), where the old checkpoint (<= 57, taken
    // before the renewal) would have it expire early. The next leader must have applied the
    // clear before it takes over: a new leader reads the checkpoints its store holds when it
    // is elected (as etcd's lessor Promote), and a transfer waits for its log, not its applies.
    // A linearizable read there waits for them. On a loaded machine the move may outlast an
    // interval, and a checkpoint taken after the renewal then counts: the bound is the time
    // since the renewal.
    const renewedAtMs = performance.now();
    const renewed = await members[2]?.lease.keepAlive(grant.ID);
    expect(renewed?.TTL).toBe(ttlSeconds);
    await (members.find((m) => m !== second) as Server).kv.range({ key: b('cp') });
    const third = await moveLeader(members, second);
    const sinceRenewalS = Math.ceil((performance.now() - renewedAtMs) / 1000);
    const after = (await third.lease.timeToLive({ ID: grant.ID })).TTL;
    expect(after).toBeGreaterThanOrEqual(ttlSeconds - sinceRenewalS - 1);
    expect(s((await third.kv.range({ key: b('cp') })).kvs[0]?.value)).toBe('v');
  }, 60_000);

  it('off (the default): a new leader gives a lease its whole TTL again', async () => {
    const { members, leader } = await cluster({ leaseCheckpointIntervalMs: 1000 });
    const grant = await leader.lease.grant({ TTL: ttlSeconds });
    await pause(3500);
    expect((await leader.lease.timeToLive({ ID: grant.ID })).TTL).toBeLessThanOrEqual(57);
    const next = await moveLeader(members, leader);
    expect((await next.lease.timeToLive({ ID: grant.ID })).TTL).toBeGreaterThanOrEqual(59);
  }, 60_000);
});
