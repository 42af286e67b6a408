// Goal: membership changes as etcd makes them, in process: a cluster grows from one member to
// three (add as learner, start with clusterState 'existing', promote once caught up) and keeps
// it across a restart; a removed member stops and never starts again while the rest go on; a
// dead member is replaced by a new one on a new port; the strict reconfig check and every
// membership error code refuse what etcd refuses.
// Method: real LMDB in temp directories, real sockets on 127.0.0.1 (peer ports picked free
// first, since member IDs derive from peer URLs). Changes refused while members have not yet
// been connected for etcd's 5 s (UNHEALTHY) or a learner is catching up (LEARNER_NOT_READY) are
// asked again until a deadline, as an operator would.
import { describe, expect, it } from 'vitest';
import {
  isEmbedError,
  startServer,
  type EmbedErrorCode,
  type ServerConfig,
  type Server,
} from '../src/index.js';
import {
  agreedLeader,
  freePeerUrls,
  initialClusterOf,
  testMembers,
  untilAccepted,
} from './cluster.js';
import { b, pause, s, within } from './helpers.js';

const t = testMembers();

/** Resolves once `check()` holds, looking again every 50 ms, within `ms`. */
async function eventually(
  check: () => boolean | Promise<boolean>,
  what: string,
  ms = 15_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await pause(50);
  }
}

async function expectCode(p: Promise<unknown>, code: EmbedErrorCode): Promise<void> {
  await expect(p).rejects.toSatisfy((e: unknown) => isEmbedError(e, code));
}

/** Resolves with the member every one of `members` names as leader, within 15 s. */
const leaderOf = (members: readonly Server[]): Promise<Server> =>
  within(agreedLeader(members), 15_000, 'agreed leader');

/** Whether `server`'s member table holds every one of `members`, published and voting. */
function listsAll(server: Server, members: readonly Server[]): boolean {
  return (
    members.every((m) => {
      const row = server.members.find((x) => x.id === m.memberId);
      const urls = row?.clientUrls ?? [];
      return row?.name === m.name && row.isLearner !== true && urls[0] === m.clientUrls[0];
    }) && server.members.length === members.length
  );
}

const retryable: EmbedErrorCode[] = ['UNHEALTHY', 'LEARNER_NOT_READY', 'OVERLOADED', 'NOT_LEADER'];

/** Adds a learner named `name` at `peerUrl` through `via`, starts it, catches it up, promotes it. */
async function grow(
  via: Server,
  name: string,
  { peerUrl, cluster }: { peerUrl: string; cluster: string },
): Promise<Server> {
  const added = await untilAccepted(
    () => via.cluster.addMember([peerUrl], { isLearner: true }),
    retryable,
  );
  expect(added.member).toMatchObject({ name: '', peerUrls: [peerUrl], isLearner: true });
  const joined = await t.start(
    t.config(name, peerUrl, { clusterState: 'existing', initialCluster: cluster }),
  );
  expect(joined.memberId).toBe(added.member.id);
  await within(joined.ready, 10_000, `${name} ready`);
  await untilAccepted(() => via.cluster.promoteMember(joined.memberId), retryable);
  return joined;
}

describe('membership', () => {
  it('grows from one member to three (learner, existing, promote) and keeps it across a restart', async () => {
    const urls = await freePeerUrls(3);
    const [ua, ub, uc] = urls as [string, string, string];
    const a = await t.start(t.config('a', ua));
    await within(a.ready, 5000, 'a ready');
    await a.kv.put({ key: b('before'), value: b('growing') });
    const m2 = await grow(a, 'b', { peerUrl: ub, cluster: `a=${ua},b=${ub}` });
    const m3 = await grow(a, 'c', { peerUrl: uc, cluster: `a=${ua},b=${ub},c=${uc}` });
    const all = [a, m2, m3];
    // Every member lists every member with its name and the client URLs it published.
    await eventually(() => all.every((m) => listsAll(m, all)), 'members published');
    const listed = await m3.cluster.memberList({ linearizable: true });
    expect(listed.members.map((m) => m.name).sort()).toEqual(['a', 'b', 'c']);
    // The joined members caught up by log replication, and the three form a quorum.
    expect(s((await m3.kv.range({ key: b('before') })).kvs[0]?.value)).toBe('growing');
    await m2.kv.put({ key: b('after'), value: b('three') });
    expect(s((await m3.kv.range({ key: b('after') })).kvs[0]?.value)).toBe('three');
    const ids = all.map((m) => m.memberId);
    // Restart every member from its data directory (no bootstrap settings): same membership.
    await Promise.all(all.map((m) => m.close()));
    t.servers = [];
    const again = await Promise.all(
      [
        ['a', ua],
        ['b', ub],
        ['c', uc],
      ].map(([n, u]) => t.start(t.config(n ?? '', u ?? ''))),
    );
    expect(again.map((m) => m.memberId)).toEqual(ids);
    await leaderOf(again);
    // The restarted members listen on new client ports and publish them again.
    await eventually(() => again.every((m) => listsAll(m, again)), 'published again');
    expect(s((await again[2]?.kv.range({ key: b('after') }))?.kvs[0]?.value)).toBe('three');
  }, 90_000);
});

/** Three founding members on free peer ports; resolves once they agree on a leader. */
async function founders(extra: ServerConfig = {}): Promise<{ members: Server[]; urls: string[] }> {
  const urls = await freePeerUrls(3);
  const initialCluster = initialClusterOf(urls);
  const members = await Promise.all(
    urls.map((u, i) => t.start(t.config(`m${i}`, u, { initialCluster, ...extra }))),
  );
  await leaderOf(members);
  return { members, urls };
}

describe('removing and replacing members', () => {
  it('a removed member stops itself and never starts again; the rest go on', async () => {
    const { members, urls } = await founders();
    const leader = await leaderOf(members);
    const [gone, stay] = members.filter((m) => m !== leader) as [Server, Server];
    const goneUrl = urls[members.indexOf(gone)] ?? '';
    const res = await untilAccepted(() => leader.cluster.removeMember(gone.memberId), retryable);
    expect(res.members.map((m) => m.id).sort()).toEqual([leader.memberId, stay.memberId].sort());
    await within(gone.stopped, 10_000, 'removed member stops');
    expect(isEmbedError(gone.stopReason, 'MEMBER_REMOVED')).toBe(true);
    // The two left form the whole cluster: writes and linearizable reads go on.
    await stay.kv.put({ key: b('k'), value: b('after removal') });
    expect(s((await leader.kv.range({ key: b('k') })).kvs[0]?.value)).toBe('after removal');
    expect(stay.members.map((m) => m.id)).not.toContain(gone.memberId);
    // Its data directory says it was removed: it refuses to start again.
    await expectCode(startServer(t.config(gone.name, goneUrl)), 'MEMBER_REMOVED');
  }, 60_000);

  it('a member removed while it was down learns it from its peers when it comes back', async () => {
    const { members, urls } = await founders();
    const leader = await leaderOf(members);
    const gone = members.find((m) => m !== leader) as Server;
    const goneUrl = urls[members.indexOf(gone)] ?? '';
    await gone.close();
    // A member that is down may be removed: it is not part of the active quorum.
    await untilAccepted(() => leader.cluster.removeMember(gone.memberId), retryable);
    await leader.kv.put({ key: b('k'), value: b('without it') });
    // Its data directory does not know: it starts, dials its old peers, and they refuse it as
    // removed (etcd's HTTP 410); it stops with etcd's message.
    const back = await t.start(t.config(gone.name, goneUrl));
    await within(back.stopped, 15_000, 'the returning member stops');
    expect(isEmbedError(back.stopReason, 'MEMBER_REMOVED')).toBe(true);
    expect((back.stopReason as Error).message).toBe(
      'the member has been permanently removed from the cluster',
    );
    // It never took part: the others still form the cluster and serve.
    const rest = members.filter((m) => m !== gone);
    await rest[1]?.kv.put({ key: b('k'), value: b('still going') });
    expect(s((await leader.kv.range({ key: b('k') })).kvs[0]?.value)).toBe('still going');
    expect(leader.members.map((m) => m.id)).not.toContain(gone.memberId);
  }, 60_000);

  it('replaces a dead member with a new one on a new port', async () => {
    const { members, urls } = await founders();
    const leader = await leaderOf(members);
    const [dead, live] = members.filter((m) => m !== leader) as [Server, Server];
    await dead.close({ skipLeaderTransfer: true });
    // While a voter is down, the strict check refuses adding a member, and removing a live one.
    await expectCode(leader.cluster.addMember(['http://127.0.0.1:1']), 'UNHEALTHY');
    await expectCode(leader.cluster.removeMember(live.memberId), 'UNHEALTHY');
    // A member that is down may be removed: it is not part of the active quorum.
    await untilAccepted(() => leader.cluster.removeMember(dead.memberId), retryable);
    const [newUrl = ''] = await freePeerUrls(1);
    const added = await untilAccepted(() => leader.cluster.addMember([newUrl]), retryable);
    expect(added.member.isLearner).toBe(false);
    const cluster = [
      ...members.flatMap((m, i) => (m === dead ? [] : [`${m.name}=${urls[i] ?? ''}`])),
      `n=${newUrl}`,
    ].join(',');
    const fresh = await t.start(
      t.config('n', newUrl, { clusterState: 'existing', initialCluster: cluster }),
    );
    expect(fresh.memberId).toBe(added.member.id);
    await within(fresh.ready, 10_000, 'replacement ready');
    const now = [leader, live, fresh];
    await eventually(() => now.every((m) => listsAll(m, now)), 'replacement published');
    await fresh.kv.put({ key: b('k'), value: b('replaced') });
    expect(s((await live.kv.range({ key: b('k') })).kvs[0]?.value)).toBe('replaced');
  }, 60_000);
});

describe('membership errors', () => {
  it("refuses what etcd refuses, one member alone, with etcd's codes", async () => {
    const [pa, pl1, pl2, pv, pw] = (await freePeerUrls(5)) as [
      string,
      string,
      string,
      string,
      string,
    ];
    const a = await t.start(t.config('a', pa, { maxLearners: 1 }));
    await within(a.ready, 5000, 'ready');
    const c = a.cluster;
    await expectCode(c.addMember(['not a url']), 'MEMBER_BAD_URLS');
    await expectCode(c.addMember([]), 'MEMBER_BAD_URLS');
    await expectCode(c.addMember([pa]), 'PEER_URL_EXISTS');
    const l1 = (await c.addMember([pl1], { isLearner: true })).member;
    await expectCode(c.addMember([pl1], { isLearner: true }), 'PEER_URL_EXISTS');
    await expectCode(c.addMember([pl2], { isLearner: true }), 'TOO_MANY_LEARNERS');
    await expectCode(c.promoteMember(a.memberId), 'MEMBER_NOT_LEARNER');
    await expectCode(c.promoteMember(12345), 'MEMBER_NOT_FOUND');
    await expectCode(c.removeMember(12345), 'MEMBER_NOT_FOUND');
    await expectCode(c.updateMember(12345, [pl2]), 'MEMBER_NOT_FOUND');
    // The learner never started: it has none of the leader's log.
    await expectCode(c.promoteMember(l1.id), 'LEARNER_NOT_READY');
    await expectCode(c.moveLeader(l1.id), 'BAD_LEADER_TRANSFEREE');
    await expectCode(c.moveLeader(12345), 'BAD_LEADER_TRANSFEREE');
    await c.moveLeader(a.memberId); // already the leader
    await expectCode(c.updateMember(l1.id, [pa]), 'PEER_URL_EXISTS');
    const updated = await c.updateMember(l1.id, [pl2]);
    expect(updated.members.find((m) => m.id === l1.id)?.peerUrls).toEqual([pl2]);
    // A learner may always be removed; then a lone started member may add a second voter...
    await c.removeMember(l1.id);
    const v = (await c.addMember([pv])).member;
    expect(v).toMatchObject({ isLearner: false, name: '' });
    // ...but not a third while the second has not started: too few started voters for a quorum.
    await expectCode(c.addMember([pw]), 'MEMBER_NOT_ENOUGH_STARTED');
    await expectCode(c.removeMember(a.memberId), 'MEMBER_NOT_ENOUGH_STARTED');
    expect((await c.memberList()).members.map((m) => m.id).sort()).toEqual(
      [a.memberId, v.id].sort(),
    );
  }, 30_000);

  it('moves the leader from the leader only, and refuses a follower (LEADER_REQUIRED)', async () => {
    const { members } = await founders();
    const leader = await leaderOf(members);
    const [f1] = members.filter((m) => m !== leader) as [Server, Server];
    await expectCode(f1.cluster.moveLeader(leader.memberId), 'LEADER_REQUIRED');
    await leader.cluster.moveLeader(f1.memberId);
    expect(f1.isLeader()).toBe(true);
    expect((await leaderOf(members)).memberId).toBe(f1.memberId);
  }, 30_000);

  it('a joining member needs a running peer and must have been added (INVALID_CONFIG)', async () => {
    const [pa, pb, pc] = (await freePeerUrls(3)) as [string, string, string];
    // Nobody answers at pa.
    const lonely = t.config('b', pb, {
      clusterState: 'existing',
      initialCluster: `a=${pa},b=${pb}`,
    });
    await expect(startServer(lonely)).rejects.toSatisfy(
      (e: unknown) => isEmbedError(e, 'INVALID_CONFIG') && e.field === 'initialCluster',
    );
    const a = await t.start(t.config('a', pa));
    await within(a.ready, 5000, 'ready');
    await a.cluster.addMember([pb], { isLearner: true }); // starts a's peer listener
    // c was never added.
    const stranger = t.config('c', pc, {
      clusterState: 'existing',
      initialCluster: `a=${pa},c=${pc}`,
    });
    await expect(startServer(stranger)).rejects.toSatisfy(
      (e: unknown) => isEmbedError(e, 'INVALID_CONFIG') && e.field === 'initialAdvertisePeerUrls',
    );
  }, 30_000);

  it('a member joining after the log was compacted catches up by snapshot', async () => {
    const [pa, pb] = (await freePeerUrls(2)) as [string, string];
    const small = { snapshotCount: 20, snapshotCatchUpEntries: 5 };
    const a = await t.start(t.config('a', pa, small));
    await within(a.ready, 5000, 'ready');
    for (let i = 0; i < 60; i++) await a.kv.put({ key: b(`k${i}`), value: b(`v${i}`) });
    const joined = await grow(a, 'b', { peerUrl: pb, cluster: `a=${pa},b=${pb}` });
    const all = [a, joined];
    await eventually(() => all.every((m) => listsAll(m, all)), 'published');
    const got = await joined.kv.range({ key: b('k'), rangeEnd: b('l'), serializable: true });
    expect(got.count).toBe(60);
    // It got the store as a snapshot: the entries it needed were compacted on the leader.
    const received = await joined.metrics.snapshotReceiveSuccess.get();
    expect(received.values[0]?.value).toBeGreaterThanOrEqual(1);
  }, 30_000);
  it('a member added after the last snapshot installs one that includes it', async () => {
    // Raft ignores a snapshot whose configuration leaves the receiver out. A member added after
    // the leader's last WAL snapshot needs one (the log is compacted below it), so the leader
    // must have recorded one with the member in it, as etcd's snapshots carry the applied
    // configuration.
    const [pa, pb] = (await freePeerUrls(2)) as [string, string];
    const first = await t.start(
      t.config('a', pa, { snapshotCount: 20, snapshotCatchUpEntries: 5 }),
    );
    await within(first.ready, 5000, 'ready');
    for (let i = 0; i < 60; i++) await first.kv.put({ key: b(`k${i}`), value: b(`v${i}`) });
    // Restarted with a large snapshotCount, it records no snapshot of its own accord any more.
    await first.close();
    const a = await t.start(
      t.config('a', pa, { snapshotCount: 100_000, snapshotCatchUpEntries: 5 }),
    );
    await within(a.ready, 5000, 'ready after restart');
    await untilAccepted(() => a.cluster.addMember([pb], { isLearner: true }), retryable);
    const joined = await t.start(
      t.config('b', pb, { clusterState: 'existing', initialCluster: `a=${pa},b=${pb}` }),
    );
    const count = async () =>
      (await joined.kv.range({ key: b('k'), rangeEnd: b('l'), serializable: true })).count;
    await eventually(async () => (await count()) === 60, 'the learner caught up');
    const received = await joined.metrics.snapshotReceiveSuccess.get();
    expect(received.values[0]?.value).toBeGreaterThanOrEqual(1);
  }, 30_000);
});

describe('the member table in snapshots', () => {
  it("a member down while members change catches up by snapshot with the leader's member list", async () => {
    // Without the strict check a change may be made while a voter is down (etcd's
    // --strict-reconfig-check=false).
    const small = { snapshotCount: 20, snapshotCatchUpEntries: 5, strictReconfigCheck: false };
    const { members, urls } = await founders(small);
    const leader = await leaderOf(members);
    await eventually(() => members.every((m) => listsAll(m, members)), 'founders published');
    const down = members.find((m) => m !== leader) as Server;
    const downUrl = urls[members.indexOf(down)] ?? '';
    await down.close();
    // While it is down: a learner is added, then given new peer URLs (a member request), and
    // far more than snapshotCount entries commit, so the leader compacts its log past them.
    const [pl, pl2] = (await freePeerUrls(2)) as [string, string];
    const added = await untilAccepted(
      () => leader.cluster.addMember([pl], { isLearner: true }),
      retryable,
    );
    await leader.cluster.updateMember(added.member.id, [pl2]);
    for (let i = 0; i < 60; i++) await leader.kv.put({ key: b(`k${i}`), value: b(`v${i}`) });
    const back = await t.start(t.config(down.name, downUrl, small));
    expect(back.memberId).toBe(down.memberId);
    await within(back.kv.range({ key: b('k59') }), 10_000, 'caught up');
    const received = await back.metrics.snapshotReceiveSuccess.get();
    expect(received.values[0]?.value).toBeGreaterThanOrEqual(1);
    // The member list it installed is the leader's: the learner at its new URL included (it
    // publishes its new client URL meanwhile, so the lists agree once that is applied).
    const rows = (m: Server): string => JSON.stringify(m.members);
    await eventually(() => rows(back) === rows(leader), 'member lists equal');
    const lead = (await leader.cluster.memberList()).members;
    const listed = await back.cluster.memberList({ linearizable: true });
    expect(listed.members).toEqual(lead);
    expect(listed.members.find((m) => m.id === added.member.id)?.peerUrls).toEqual([pl2]);
    // And it survives a restart (cluster.json holds it; replayed entries are skipped).
    await back.close();
    t.servers = t.servers.filter((m) => m !== back);
    const again = await t.start(t.config(down.name, downUrl, small));
    await within(again.ready, 10_000, 'ready after restart');
    expect(again.members.map((m) => [m.id, m.peerUrls])).toEqual(
      lead.map((m) => [m.id, m.peerUrls]),
    );
  }, 60_000);
});
