// Goal: three members in one process form a cluster over raft-transport-ws: they elect one
// leader, take writes through any member (followers forward proposals inside Raft), serve a
// linearizable read after an acknowledged write on every member, and when the leader is closed
// without a transfer the other two elect a new leader and lose no acknowledged write.
// Method: real LMDB in temp directories, real sockets on 127.0.0.1 (peer ports picked free first,
// since member IDs derive from peer URLs), waits on leader events with deadlines.
import { describe, expect, it } from 'vitest';
import type { Server } from '../src/index.js';
import { agreedLeader, testElectionMs as electionMs, testMembers } from './cluster.js';
import { startEtcdctl } from './etcdctl-runner.js';
import { b, s, within } from './helpers.js';

const t = testMembers();

describe('three members', () => {
  it('elect one leader and agree on the cluster ID', async () => {
    const servers = await t.startFounders();
    const leader = await within(agreedLeader(servers), 5000, 'election');
    expect(servers.filter((m) => m.isLeader())).toEqual([leader]);
    expect(new Set(servers.map((m) => m.clusterId)).size).toBe(1);
    expect(new Set(servers.map((m) => m.memberId)).size).toBe(3);
    await within(Promise.all(servers.map((m) => m.ready)), 5000, 'ready');
  });

  it('take writes through any member; a linearizable read after each sees it everywhere', async () => {
    const servers = await t.startFounders();
    await within(agreedLeader(servers), 5000, 'election');
    for (const [i, writer] of servers.entries()) {
      const put = await within(
        writer.kv.put({ key: b(`from-${i}`), value: b(`v${i}`) }),
        5000,
        `put through m${i}`,
      );
      expect(put.header.memberId).toBe(writer.memberId);
      for (const reader of servers) {
        const got = await within(reader.kv.range({ key: b(`from-${i}`) }), 5000, 'read');
        expect(s(got.kvs[0]?.value)).toBe(`v${i}`);
        expect(got.kvs[0]?.modRevision).toBe(put.revision);
      }
    }
    const concurrent = await within(
      Promise.all(
        Array.from({ length: 90 }, (_, j) =>
          (servers[j % 3] as Server).kv.put({ key: b(`c${j}`), value: b(`${j}`) }),
        ),
      ),
      10_000,
      'concurrent puts',
    );
    expect(new Set(concurrent.map((p) => p.revision)).size).toBe(90);
    for (const reader of servers) {
      expect((await reader.kv.range({ key: b('c'), rangeEnd: b('d') })).count).toBe(90);
    }
  });

  it('answers concurrent linearizable reads on both followers without asking a round again', async () => {
    // Read rounds of different members must not share a ReadIndex context: the leader keeps one
    // pending read per context, and a round it dropped is asked again after readRetryTicks,
    // which etcd's slow-read-index counter reports.
    const servers = await t.startFounders({
      extraOf: () => ({ listenMetricsUrls: ['http://127.0.0.1:0'] }),
    });
    const leader = await within(agreedLeader(servers), 5000, 'election');
    await within(leader.kv.put({ key: b('r'), value: b('1') }), 5000, 'put');
    const followers = servers.filter((m) => m !== leader);
    for (let wave = 0; wave < 20; wave++) {
      const reads = followers.flatMap((f) => [
        f.kv.range({ key: b('r') }),
        f.kv.range({ key: b('r') }),
      ]);
      await within(Promise.all(reads), 5000, `reads of wave ${wave}`);
    }
    for (const f of followers) {
      const text = await (await fetch(`${f.metricsUrls[0] ?? ''}/metrics`)).text();
      expect(text).toMatch(/^etcd_server_slow_read_indexes_total 0$/m);
    }
  });

  it('elect a new leader after the leader closes, losing no acknowledged write', async () => {
    const servers = await t.startFounders();
    const leader = await within(agreedLeader(servers), 5000, 'election');
    const acked: string[] = [];
    for (let i = 0; i < 40; i++) {
      const via = servers[i % 3];
      await via?.kv.put({ key: b(`k${i}`), value: b(`v${i}`) });
      acked.push(`k${i}`);
    }
    const rest = servers.filter((m) => m !== leader);
    // Unlike etcd's notify, losing the leader is reported: survivors see leaderId 0 on the way.
    const seen: number[] = [];
    for (const m of rest) m.onLeaderChange((c) => seen.push(c.leaderId));
    const t0 = performance.now();
    await leader.close({ skipLeaderTransfer: true });
    const next = await within(agreedLeader(rest), 10 * electionMs, 'new leader');
    const tookMs = performance.now() - t0;
    expect(next).not.toBe(leader);
    expect(seen).toContain(0);
    expect(seen).toContain(next.memberId);
    // About two election timeouts: the followers notice after one, then campaign (randomized).
    expect(tookMs).toBeLessThan(4 * electionMs + 500);
    for (const reader of rest) {
      const all = await within(reader.kv.range({ key: b('k'), rangeEnd: b('l') }), 5000, 'read');
      expect(all.kvs.map((kv) => s(kv.key)).sort()).toEqual([...acked].sort());
    }
    const after = await within(
      (rest[0] as Server).kv.put({ key: b('after'), value: b('x') }),
      5000,
      'write after failover',
    );
    expect(after.header.raftTerm).toBeGreaterThan(0);
  });

  it("ends etcdctl's watch (it requires a leader) with etcd's 'no leader' once the quorum is gone", async () => {
    const servers = await t.startFounders();
    const leader = await within(agreedLeader(servers), 5000, 'election');
    const survivor = servers.find((m) => m !== leader) as Server;
    const put = await within(survivor.kv.put({ key: b('k'), value: b('seen') }), 5000, 'put');
    const args = ['watch', 'k', `--rev=${String(put.revision)}`];
    const watch = startEtcdctl(survivor, args, { commandTimeoutS: 30, killAfterMs: 30_000 });
    await within(watch.printed('seen'), 10_000, 'the watch is open'); // its history, from --rev
    for (const m of servers) if (m !== survivor) await m.close({ skipLeaderTransfer: true });
    // etcd's leader monitor: three election timeouts without a leader end the stream.
    const r = await within(watch.result, 20 * electionMs + 5000, 'watch ends');
    expect(r.out).toContain('etcdserver: no leader');
  });

  it('hand leadership over on close, so the others need no election timeout', async () => {
    const servers = await t.startFounders();
    const leader = await within(agreedLeader(servers), 5000, 'election');
    await leader.kv.put({ key: b('before'), value: b('1') });
    const rest = servers.filter((m) => m !== leader);
    // Leader-only work on the old leader is aborted by the step-down itself (NOT_LEADER), before
    // close() would stop it with STOPPED.
    let abortCode = '';
    const work = leader.runWhileLeader(
      (signal) =>
        new Promise<void>((resolve) => {
          signal.addEventListener('abort', () => {
            abortCode = (signal.reason as { code?: string }).code ?? 'none';
            resolve();
          });
        }),
    );
    await within(leader.close(), 2 * electionMs, 'close with transfer');
    await within(work, 1000, 'runWhileLeader ends at close');
    expect(abortCode).toBe('NOT_LEADER');
    // close() waited for the transfer: a survivor already leads when it resolves. Without a
    // transfer nobody would lead until an election timeout had passed.
    expect(rest.filter((m) => m.isLeader())).toHaveLength(1);
    const next = await within(agreedLeader(rest), electionMs, 'new leader');
    expect(next.isLeader()).toBe(true);
    const got = await next.kv.range({ key: b('before') });
    expect(s(got.kvs[0]?.value)).toBe('1');
  });

  it('a partitioned leader cannot write; the majority goes on; after healing all converge', async () => {
    const servers = await t.startFounders();
    const old = await within(agreedLeader(servers), 5000, 'election');
    await old.kv.put({ key: b('before'), value: b('1') });
    const rest = servers.filter((m) => m !== old);
    const lost = new Promise<void>((resolve) => {
      const off = old.onLeaderChange((c) => {
        if (c.leaderId !== 0) return;
        off();
        resolve();
      });
    });
    for (const m of rest) old.peerFaults?.set(m.memberId, { partitioned: true });
    // check-quorum: the cut-off leader steps down after an election timeout without a quorum.
    await within(lost, 5 * electionMs, 'old leader steps down');
    await expect(old.kv.put({ key: b('minority'), value: b('x') })).rejects.toMatchObject({
      code: 'NOT_LEADER',
    });
    const next = await within(agreedLeader(rest), 10 * electionMs, 'majority leader');
    for (let i = 0; i < 10; i++) await next.kv.put({ key: b(`maj${i}`), value: b(`${i}`) });
    old.peerFaults?.clear();
    // A linearizable read on the healed member is answered only once it has applied the
    // majority's writes, so the stores must then be equal.
    const got = await within(old.kv.range({ key: b('maj9') }), 10_000, 'read after heal');
    expect(s(got.kvs[0]?.value)).toBe('9');
    expect((await old.kv.range({ key: b('minority') })).count).toBe(0);
    for (const m of servers) await within(m.kv.range({ key: b('maj9') }), 5000, 'barrier');
    const hashes = servers.map((m) => m.store.hashKV({ revision: next.store.revision }).hash);
    expect(new Set(hashes).size).toBe(1);
  });
});
