// A cluster of 3 or 5 member processes on loopback, on free ports with temp data directories,
// plus one etcd client per member for the workloads and the fault schedule.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '@keel/bench-kit';
import type { Etcd3 } from 'etcd3';
import { assert } from '../assert.js';
import { ChaosError } from '../errors.js';
import { memberReadyTimeoutMs } from '../limits.js';
import { connectClient, sleep } from './clients.js';
import { MemberProcess, type ClusterKind, type ClusterShape } from './member-process.js';

/** How to start a cluster. */
export interface ClusterOptions {
  readonly kind: ClusterKind;
  readonly size: number;
  /** A directory for the members' data and logs (it is not removed). */
  readonly dir: string;
  readonly tickMs?: number;
  readonly electionMs?: number;
  readonly etcdBinary?: string;
}

/** A running cluster; member `i` has client `clients[i]`. */
export class Cluster {
  readonly kind: ClusterKind;
  readonly members: readonly MemberProcess[];
  readonly clients: readonly Etcd3[];
  /** Member IDs as etcd prints them (hex), by member index; filled by `start`. */
  ids: readonly string[] = [];

  /** Records member `i`'s new ID (hex) after it was removed and added again. */
  setId(i: number, id: string): void {
    this.ids = this.ids.map((old, j) => (j === i ? id : old));
  }

  /**
   * The `--initial-cluster` for member `i` joining at `peerUrl`: every member with its current
   * peer URL, member `i` with `peerUrl`.
   */
  joinCluster(i: number, peerUrl: string): string {
    return this.members
      .map((m, j) => `${m.spec.name}=${j === i ? peerUrl : m.spec.peerUrl}`)
      .join(',');
  }

  private constructor(kind: ClusterKind, members: MemberProcess[]) {
    this.kind = kind;
    this.members = members;
    this.clients = members.map((m) => connectClient([m.spec.clientUrl]));
  }

  /**
   * Starts every member and waits until each answers a Status call and a leader is known.
   *
   * @throws ChaosError `CLUSTER_FAILED` when a member exits or does not answer in time.
   */
  static async start(options: ClusterOptions): Promise<Cluster> {
    await mkdir(options.dir, { recursive: true });
    const names = Array.from({ length: options.size }, (_, i) => `m${i + 1}`);
    const ports: { client: number; peer: number; fault: number }[] = [];
    for (let i = 0; i < names.length; i++) {
      ports.push({ client: await freePort(), peer: await freePort(), fault: await freePort() });
    }
    const peerUrl = (i: number) => `http://127.0.0.1:${ports[i]?.peer ?? 0}`;
    const shape: ClusterShape = {
      kind: options.kind,
      initialCluster: names.map((n, i) => `${n}=${peerUrl(i)}`).join(','),
      tickMs: options.tickMs ?? 100,
      electionMs: options.electionMs ?? 1000,
      etcdBinary: options.etcdBinary ?? '/usr/bin/etcd',
    };
    const members = names.map((name, i) => {
      const spec = {
        name,
        clientUrl: `http://127.0.0.1:${ports[i]?.client ?? 0}`,
        peerUrl: peerUrl(i),
        dataDir: join(options.dir, name),
        ...(options.kind === 'keel'
          ? { faultUrl: `http://127.0.0.1:${ports[i]?.fault ?? 0}` }
          : {}),
      };
      return new MemberProcess(spec, shape, join(options.dir, `${name}.log`));
    });
    const cluster = new Cluster(options.kind, members);
    try {
      for (const m of members) m.start();
      await Promise.all(members.map((_, i) => cluster.waitReady(i)));
      cluster.ids = await cluster.#memberIds();
      await cluster.waitLeader();
    } catch (e) {
      await cluster.close();
      throw e;
    }
    return cluster;
  }

  async #memberIds(): Promise<string[]> {
    const client = this.clients[0];
    if (client === undefined) return [];
    const list = await client.cluster.memberList({ linearizable: false });
    return this.members.map((m) => {
      const found = list.members.find((x) => x.name === m.spec.name);
      if (found === undefined) throw clusterFailed(`${m.spec.name} is not in the member list`);
      return BigInt(found.ID).toString(16);
    });
  }

  /**
   * Waits until member `i` answers a Status call.
   *
   * @throws ChaosError `CLUSTER_FAILED` when it exits or does not answer within the deadline.
   */
  async waitReady(i: number): Promise<void> {
    const m = this.members[i];
    const client = this.clients[i];
    if (m === undefined || client === undefined) throw clusterFailed(`no member ${i}`);
    const until = performance.now() + memberReadyTimeoutMs;
    let last = 'no answer';
    // A bounded readiness poll: a member has no other signal that it serves clients.
    while (performance.now() < until) {
      if (m.unexpectedExits.length > 0) throw clusterFailed(m.unexpectedExits.join('; '));
      try {
        await client.maintenance.status();
        return;
      } catch (e) {
        last = e instanceof Error ? e.message : String(e);
      }
      await sleep(100);
    }
    throw clusterFailed(`${m.spec.name} did not answer within ${memberReadyTimeoutMs} ms: ${last}`);
  }

  /** The index of the member that every reachable member names as leader, or undefined. */
  async leader(): Promise<number | undefined> {
    const seen = await Promise.all(
      this.clients.map((c, i) =>
        this.members[i]?.state !== 'up'
          ? Promise.resolve(undefined)
          : c.maintenance.status().then(
              (s) => BigInt(s.leader).toString(16),
              () => undefined,
            ),
      ),
    );
    const named = seen.filter((id) => id !== undefined && id !== '0');
    const first = named[0];
    if (first === undefined || named.some((id) => id !== first)) return undefined;
    const index = this.ids.indexOf(first);
    return index < 0 ? undefined : index;
  }

  /** Waits (bounded) until the members agree on a leader; returns its index. */
  async waitLeader(): Promise<number> {
    const until = performance.now() + memberReadyTimeoutMs;
    while (performance.now() < until) {
      const leader = await this.leader();
      if (leader !== undefined) return leader;
      await sleep(100);
    }
    throw clusterFailed(`no leader within ${memberReadyTimeoutMs} ms`);
  }

  /** The client of member `i` (taken modulo the cluster size). */
  client(i: number): Etcd3 {
    const client = this.clients[i % this.clients.length];
    assert(client !== undefined, 'a cluster has at least one member');
    return client;
  }

  /** Every exit of a member that the runner did not cause. */
  unexpectedExits(): string[] {
    return this.members.flatMap((m) => m.unexpectedExits);
  }

  /** Closes the clients and kills every member. */
  async close(): Promise<void> {
    for (const c of this.clients) c.close();
    await Promise.all(this.members.map((m) => m.close()));
  }
}

function clusterFailed(message: string): ChaosError {
  return new ChaosError({ code: 'CLUSTER_FAILED', message });
}
