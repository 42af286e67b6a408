// Goal: etcd's own client changes Keel's membership: `etcdctl member add --learner`, a new member
// started with clusterState 'existing', `member promote`, `member list` with every member's
// client URLs, `move-leader`, `member remove` (the removed member stops), and etcd's error texts
// for a promote of a voter and an unknown member; a learner refuses writes and linearizable reads
// with etcd's error; a promotion asked of a follower (in process and with `etcdctl member
// promote` at the follower's endpoint) is forwarded to the leader.
// Method: real members in process on 127.0.0.1, Debian's /usr/bin/etcdctl (ETCDCTL_API=3) with
// explicit time limits; output checked line by line. A promote refused while the learner catches
// up ("in sync with leader") is asked again until a deadline, as an operator would.
import { beforeAll, describe, expect, it } from 'vitest';
import { formatMemberId, isEmbedError, type EmbedErrorCode, type Server } from '../src/index.js';
import { agreedLeader, freePeerUrls, testMembers, untilAccepted } from './cluster.js';
import { etcdctl, type EtcdctlResult } from './etcdctl-runner.js';
import { pause, within } from './helpers.js';

const t = testMembers({ perFile: true });
let a: Server;
let urls: [string, string];

/** etcdctl at `via`'s client URL; member changes may wait for a commit on a loaded machine. */
const ctl = (via: Server, args: readonly string[]): Promise<EtcdctlResult> =>
  etcdctl(via, args, { commandTimeoutS: 8, killAfterMs: 15_000 });

/** etcd's answer to a call a learner does not serve. */
const learnerRefusal = 'etcdserver: rpc not supported for learner';

/** An ID as etcdctl prints it with `%16x`: padded with spaces to 16 characters. */
const pad = (hex: string | undefined): string => (hex ?? '').padStart(16, ' ');

/** Runs etcdctl until it succeeds or fails without `retryText` in its output, within `ms`. */
async function ctlUntil(
  via: Server,
  args: readonly string[],
  retryText: string,
): Promise<EtcdctlResult> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const r = await ctl(via, args);
    if (r.code === 0 || !r.out.includes(retryText) || Date.now() > deadline) return r;
    await pause(200);
  }
}

beforeAll(async () => {
  urls = (await freePeerUrls(2)) as [string, string];
  a = await t.start(t.config('a', urls[0]));
  await within(a.ready, 5000, 'ready');
});

describe('etcdctl member commands', () => {
  it('member add --learner, start it, promote, list, move-leader, remove', async () => {
    const cid = formatMemberId(a.clusterId);
    const added = await ctl(a, ['member', 'add', 'b', `--peer-urls=${urls[1]}`, '--learner']);
    expect(added.code).toBe(0);
    const id = /Member +([0-9a-f]+) added to cluster +([0-9a-f]+)/.exec(added.out);
    expect(id?.[2]).toBe(cid);
    expect(added.out).toContain(`ETCD_INITIAL_CLUSTER_STATE="existing"`);
    const cluster = /ETCD_INITIAL_CLUSTER="([^"]+)"/.exec(added.out)?.[1] ?? '';
    expect(cluster.split(',').sort()).toEqual([`a=${urls[0]}`, `b=${urls[1]}`]);
    // Unstarted until it runs and publishes its name.
    const before = await ctl(a, ['member', 'list']);
    expect(before.out).toContain(`${id?.[1] ?? ''}, unstarted, , ${urls[1]}, , true`);
    const b = await t.start(
      t.config('b', urls[1], { clusterState: 'existing', initialCluster: cluster }),
    );
    expect(formatMemberId(b.memberId)).toBe(id?.[1]);
    await within(b.ready, 10_000, 'b ready');
    // As etcd's, the learner refuses writes and linearizable reads and serves serializable ones.
    const refused = await ctl(b, ['put', 'k', 'v']);
    expect([refused.code === 0, refused.out]).toEqual([
      false,
      expect.stringContaining(learnerRefusal),
    ]);
    expect((await ctl(b, ['get', 'k', '--consistency=s'])).code).toBe(0);
    const promoted = await ctlUntil(a, ['member', 'promote', id?.[1] ?? ''], 'in sync with leader');
    expect(promoted.out).toContain(`Member ${pad(id?.[1])} promoted in cluster ${pad(cid)}`);
    // Promoted, it takes writes once it has applied its promotion.
    expect((await ctlUntil(b, ['put', 'k', 'v'], learnerRefusal)).code).toBe(0);
    // Both list both, each with the client URL it published, neither a learner.
    const rows = [a, b].map(
      (m, i) =>
        `${formatMemberId(m.memberId)}, started, ${m.name}, ${urls[i] ?? ''}, ${m.clientUrls[0] ?? ''}, false`,
    );
    for (const via of [a, b]) {
      const deadline = Date.now() + 10_000;
      let out = (await ctl(via, ['member', 'list'])).out;
      while (!rows.every((r) => out.includes(r)) && Date.now() < deadline) {
        await pause(100);
        out = (await ctl(via, ['member', 'list'])).out;
      }
      for (const r of rows) expect(out).toContain(r);
    }
    const moved = await ctl(a, ['move-leader', id?.[1] ?? '']);
    expect(moved.out).toContain(
      `Leadership transferred from ${formatMemberId(a.memberId)} to ${id?.[1] ?? ''}`,
    );
    expect(b.isLeader()).toBe(true);
    // Remove b through a follower (a); b stops itself.
    const removed = await ctlUntil(a, ['member', 'remove', id?.[1] ?? ''], 'unhealthy cluster');
    expect(removed.out).toContain(`Member ${pad(id?.[1])} removed from cluster ${pad(cid)}`);
    await within(b.stopped, 10_000, 'b stops');
    await within(
      new Promise<void>((resolve) => {
        if (a.isLeader()) resolve();
        a.onLeaderChange((c) => {
          if (c.isLeader) resolve();
        });
      }),
      10_000,
      'a leads alone',
    );
    const after = await ctl(a, ['member', 'list']);
    expect(after.out.trim().split('\n')).toHaveLength(1);
  }, 90_000);

  it("answers etcd's errors for a promote of a voter and an unknown member", async () => {
    const voter = await ctl(a, ['member', 'promote', formatMemberId(a.memberId)]);
    expect(voter.code).not.toBe(0);
    expect(voter.out).toContain('etcdserver: can only promote a learner member');
    const unknown = await ctl(a, ['member', 'remove', 'ffff']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.out).toContain('etcdserver: member not found');
    const badTarget = await ctl(a, ['move-leader', 'ffff']);
    expect(badTarget.code).not.toBe(0);
    expect(badTarget.out).toContain('etcdserver: bad leader transferee');
  }, 30_000);
});

describe('promoting through a follower', () => {
  it('forwards the promotion to the leader (in process and etcdctl at the follower)', async () => {
    const [px, py, p1, p2] = (await freePeerUrls(4)) as [string, string, string, string];
    const initialCluster = `x=${px},y=${py}`;
    const founders = await Promise.all(
      [
        ['x', px],
        ['y', py],
      ].map(([n, u]) => t.start(t.config(n ?? '', u ?? '', { initialCluster }))),
    );
    const leader = await within(agreedLeader(founders), 10_000, 'election');
    const follower = founders.find((m) => m !== leader) as Server;
    const retry: EmbedErrorCode[] = ['UNHEALTHY', 'OVERLOADED', 'NOT_LEADER'];
    const join = async (name: string, url: string, cluster: string): Promise<Server> => {
      const added = await untilAccepted(
        () => follower.cluster.addMember([url], { isLearner: true }),
        retry,
      );
      const m = await t.start(
        t.config(name, url, {
          clusterState: 'existing',
          initialCluster: `${cluster},${name}=${url}`,
        }),
      );
      expect(m.memberId).toBe(added.member.id);
      return m;
    };
    // Only the leader knows a learner's progress: one that never started is not ready.
    const l1 = await join('l1', p1, initialCluster);
    await within(l1.ready, 10_000, 'l1 ready');
    const promoted = await untilAccepted(
      () => follower.cluster.promoteMember(l1.memberId),
      ['LEARNER_NOT_READY', ...retry],
    );
    expect(promoted.members.find((m) => m.id === l1.memberId)?.isLearner).toBe(false);
    expect(leader.members.find((m) => m.id === l1.memberId)?.isLearner).toBe(false);
    const l2Added = await untilAccepted(
      () => follower.cluster.addMember([p2], { isLearner: true }),
      retry,
    );
    await expect(follower.cluster.promoteMember(l2Added.member.id)).rejects.toSatisfy((e) =>
      isEmbedError(e, 'LEARNER_NOT_READY'),
    );
    await expect(follower.cluster.promoteMember(follower.memberId)).rejects.toSatisfy((e) =>
      isEmbedError(e, 'MEMBER_NOT_LEARNER'),
    );
    await follower.cluster.removeMember(l2Added.member.id);
    // etcdctl at the follower's endpoint.
    const l2 = await join('l2', p2, `${initialCluster},l1=${p1}`);
    await within(l2.ready, 10_000, 'l2 ready');
    const id = formatMemberId(l2.memberId);
    const out = await ctlUntil(follower, ['member', 'promote', id], 'in sync with leader');
    expect(out.out).toContain(
      `Member ${pad(id)} promoted in cluster ${pad(formatMemberId(leader.clusterId))}`,
    );
    expect(leader.members.find((m) => m.id === l2.memberId)?.isLearner).toBe(false);
  }, 90_000);
});
