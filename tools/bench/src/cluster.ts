import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '@keel/bench-kit';
import { encodePut, encodeStatus } from './etcd-requests.js';
import { GrpcLoadClient } from './grpc-load-client.js';
import { limits } from './limits.js';
import {
  killMember,
  spawnMember,
  type MemberProcess,
  type MemberSpec,
  type SystemName,
} from './member-process.js';
import { bytesFields, unaryMessage, varintField } from './proto-reader.js';

/** A cluster of one system's members on loopback, each a process with a fresh data directory. */
export interface Cluster {
  readonly system: SystemName;
  readonly dir: string;
  /** The running members; `restartMember` replaces an entry. */
  readonly members: MemberProcess[];
  readonly clientUrls: readonly string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts `size` members of `system` under `dir` (created fresh) and waits for a leader. */
export async function startCluster(
  system: SystemName,
  size: number,
  dir: string,
): Promise<Cluster> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const ports: number[] = [];
  for (let i = 0; i < 2 * size; i++) ports.push(await freePort());
  const names = Array.from({ length: size }, (_, i) => `${system}${i}`);
  const peerUrl = (i: number) => `http://127.0.0.1:${ports[2 * i + 1] ?? 0}`;
  const initialCluster = names.map((n, i) => `${n}=${peerUrl(i)}`).join(',');
  const specs: MemberSpec[] = names.map((name, i) => ({
    name,
    dataDir: join(dir, name),
    clientUrl: `http://127.0.0.1:${ports[2 * i] ?? 0}`,
    peerUrl: peerUrl(i),
    initialCluster,
  }));
  const cluster: Cluster = {
    system,
    dir,
    members: specs.map((s) => spawnMember(system, s)),
    clientUrls: specs.map((s) => s.clientUrl),
  };
  try {
    await leaderIndex(cluster);
  } catch (e) {
    await stopCluster(cluster);
    throw e;
  }
  return cluster;
}

/**
 * Ends every member with SIGKILL and removes the cluster's directory. Nothing is measured after
 * this, so no graceful stop is waited for (etcd's can take seconds with a peer down).
 */
export async function stopCluster(cluster: Cluster): Promise<void> {
  await Promise.all(cluster.members.map(killMember));
  await rm(cluster.dir, { recursive: true, force: true });
}

/** Starts member `i` again on its data directory (after it was stopped or killed). */
export function restartMember(cluster: Cluster, i: number): MemberProcess {
  const old = cluster.members[i];
  if (old === undefined) throw new Error(`no member ${i}`);
  const m = spawnMember(cluster.system, old.spec);
  cluster.members[i] = m;
  return m;
}

/** One member's view: its id and the leader it knows (0 when none), from Maintenance/Status. */
async function memberView(url: string): Promise<{ id: bigint; leader: bigint }> {
  const client = new GrpcLoadClient(url);
  try {
    const reply = await client.call(
      '/etcdserverpb.Maintenance/Status',
      encodeStatus(),
      limits.callTimeoutMs,
    );
    const message = unaryMessage(reply);
    const header = bytesFields(message, 1)[0] ?? Buffer.alloc(0);
    return { id: varintField(header, 2), leader: varintField(message, 4) };
  } finally {
    client.close();
  }
}

/**
 * Waits (bounded by `limits.readyTimeoutMs`) until every running member answers Status and all
 * name the same leader, and returns that leader's index in `cluster.members`. Members listed in
 * `down` are neither asked nor accepted as leader.
 */
export async function leaderIndex(cluster: Cluster, down: readonly number[] = []): Promise<number> {
  const deadline = performance.now() + limits.readyTimeoutMs;
  const up = cluster.clientUrls.map((_, i) => i).filter((i) => !down.includes(i));
  let last = 'no answer yet';
  while (performance.now() < deadline) {
    const answers = await Promise.all(
      up.map((i) =>
        memberView(cluster.clientUrls[i] ?? '').then(
          (view) => ({ i, ...view, error: undefined }),
          (e: unknown) => ({ i, id: 0n, leader: 0n, error: String(e) }),
        ),
      ),
    );
    const leader = answers[0]?.leader ?? 0n;
    const agreed = answers.every((v) => v.error === undefined && v.leader === leader);
    const leaderAt = answers.find((v) => v.id === leader)?.i;
    if (agreed && leader !== 0n && leaderAt !== undefined) return leaderAt;
    last = answers.map((v) => v.error ?? `leader ${v.leader.toString(16)}`).join('; ');
    await sleep(limits.readyPollMs);
  }
  const tails = cluster.members.map((m) => `${m.spec.name}: ${m.stderrTail()}`).join('\n');
  throw new Error(
    `${cluster.system}: no agreed leader within ${limits.readyTimeoutMs} ms (${last})\n${tails}`,
  );
}

/**
 * Puts one key through `url` until a put succeeds (bounded by `limits.readyTimeoutMs`), and
 * returns when it did: a restarted member is ready when it takes writes again.
 */
export async function waitWritable(url: string): Promise<void> {
  const deadline = performance.now() + limits.readyTimeoutMs;
  const put = encodePut(Buffer.from('bench/ready'), Buffer.from('1'));
  let last: unknown;
  while (performance.now() < deadline) {
    // A fresh connection each time: one refused while the member starts stays broken.
    const client = new GrpcLoadClient(url);
    try {
      await client.call('/etcdserverpb.KV/Put', put, limits.callTimeoutMs);
      return;
    } catch (e) {
      last = e;
    } finally {
      client.close();
    }
    await sleep(limits.errorBackoffMs);
  }
  throw new Error(`${url} took no write within ${limits.readyTimeoutMs} ms`, { cause: last });
}
