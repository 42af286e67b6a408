// Crash consistency: writers put unique keys under `crash/` through every member as fast as they
// can while members are SIGKILLed at random moments and restarted from their data directories.
// After every few kills (and at the end) a check fixes a revision R with a linearizable read,
// then on every member, once it has reached R: every write acknowledged before the read is
// present in a local (serializable) read at R, and HashKV at R is the same on every member.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Etcd3 } from 'etcd3';
import { settleTimeoutMs } from '../limits.js';
import { sleep } from './clients.js';
import { Cluster } from './cluster.js';
import { readFinalRange } from './final-state.js';
import type { ClusterKind } from './member-process.js';
import { Prng } from './prng.js';
import { prefixEnd } from './range-watcher.js';

const crashPrefix = 'crash/';
const run = promisify(execFile);

/**
 * HashKV of one member at `revision`, through etcdctl (etcd3 1.1.2 calls the method by a name
 * grpc-js does not define, so its `maintenance.hashKV` cannot be used).
 */
async function hashKvAt(clientUrl: string, revision: number): Promise<string> {
  // Without the scheme: etcdctl 3.4's endpoint commands then send `http://host:port` as the
  // HTTP/2 authority, which Node's HTTP/2 server refuses (RST_STREAM PROTOCOL_ERROR).
  const endpoint = clientUrl.replace(/^https?:\/\//, '');
  const args = [
    `--endpoints=${endpoint}`,
    '--command-timeout=5s',
    'endpoint',
    'hashkv',
    `--rev=${revision}`,
    '-w',
    'json',
  ];
  const { stdout } = await run('etcdctl', args, { env: { ...process.env, ETCDCTL_API: '3' } });
  const parsed = JSON.parse(stdout) as { HashKV?: { hash?: number } }[];
  const hash = parsed[0]?.HashKV?.hash;
  if (hash === undefined) throw new Error(`etcdctl endpoint hashkv printed no hash: ${stdout}`);
  return String(hash);
}

/** What to run. */
export interface CrashOptions {
  readonly kind: ClusterKind;
  readonly members: number;
  readonly kills: number;
  readonly seed: number;
  /** Check after this many kills (and after the last one); default 10. */
  readonly checkEvery?: number;
  readonly log?: (line: string) => void;
}

/** What a crash-consistency run did and found. */
export interface CrashReport {
  readonly seed: number;
  readonly kind: ClusterKind;
  readonly kills: number;
  readonly acknowledged: number;
  readonly checks: number;
  /** One line per broken promise; empty when the run passed. */
  readonly violations: readonly string[];
}

async function writer(client: Etcd3, id: number, io: { acked: Set<string>; signal: AbortSignal }) {
  for (let seq = 0; !io.signal.aborted; seq++) {
    const key = `${crashPrefix}w${id}/${seq}`;
    try {
      await client.kv.put({ key: Buffer.from(key), value: Buffer.from(String(seq)) });
      io.acked.add(key);
    } catch {
      // Not acknowledged: nothing is owed. Back off so a dead member is not hammered.
      await sleep(50, io.signal);
    }
  }
}

/** Waits until a member has reached `revision`, then returns its HashKV and keys at it. */
async function memberAt(
  member: { client: Etcd3; clientUrl: string },
  revision: number,
): Promise<{ hash: string; keys: Set<string> }> {
  const { client } = member;
  const until = performance.now() + settleTimeoutMs;
  let last = '';
  while (performance.now() < until) {
    try {
      const hash = await hashKvAt(member.clientUrl, revision);
      const res = await client.kv.range({
        key: Buffer.from(crashPrefix),
        range_end: prefixEnd(crashPrefix),
        revision: String(revision),
        serializable: true,
        keys_only: true,
      });
      return { hash, keys: new Set(res.kvs.map((kv) => kv.key.toString())) };
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
      await sleep(100);
    }
  }
  throw new Error(`did not reach revision ${revision} within ${settleTimeoutMs} ms: ${last}`);
}

/** One check; returns the violations found. */
async function check(cluster: Cluster, acked: ReadonlySet<string>): Promise<string[]> {
  const owed = [...acked];
  const { revision } = await readFinalRange(cluster, `${crashPrefix}none/`);
  const out: string[] = [];
  const hashes: string[] = [];
  for (const [i, client] of cluster.clients.entries()) {
    const name = cluster.members[i]?.spec.name ?? `member ${i}`;
    try {
      const clientUrl = cluster.members[i]?.spec.clientUrl ?? '';
      const at = await memberAt({ client, clientUrl }, revision);
      hashes.push(`${name}=${at.hash}`);
      const missing = owed.filter((k) => !at.keys.has(k));
      if (missing.length > 0)
        out.push(
          `${name} lacks ${missing.length} acknowledged writes at revision ${revision}, e.g. ${missing.slice(0, 5).join(' ')}`,
        );
    } catch (e) {
      out.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (new Set(hashes.map((h) => h.split('=')[1])).size > 1)
    out.push(`HashKV differs at revision ${revision}: ${hashes.join(' ')}`);
  return out;
}

async function killOnce(cluster: Cluster, prng: Prng): Promise<string> {
  const leader = await cluster.leader();
  const target =
    leader !== undefined && prng.next() < 0.4 ? leader : prng.int(cluster.members.length);
  const m = cluster.members[target];
  if (m === undefined) return '?';
  await m.kill();
  await sleep(prng.between(0, 800));
  m.start();
  await cluster.waitReady(target);
  return m.spec.name;
}

/**
 * Runs `kills` SIGKILL-and-restart cycles under a heavy write load and checks acknowledged
 * writes and HashKV agreement along the way.
 *
 * @throws ChaosError `CLUSTER_FAILED` when the cluster cannot start or a member does not return.
 */
export async function runCrashCheck(options: CrashOptions): Promise<CrashReport> {
  const log = options.log ?? (() => undefined);
  log(
    `crash seed=${options.seed} cluster=${options.kind} members=${options.members} kills=${options.kills}`,
  );
  const prng = new Prng(options.seed);
  const workDir = await mkdtemp(join(tmpdir(), `chaos-crash-${options.kind}-`));
  const cluster = await Cluster.start({ kind: options.kind, size: options.members, dir: workDir });
  const acked = new Set<string>();
  const stop = new AbortController();
  const violations: string[] = [];
  let checks = 0;
  // The members' data and logs are kept unless the run ends without a violation or an error.
  let keep = true;
  const writers = cluster.clients.flatMap((c, i) =>
    [0, 1, 2].map((j) => writer(c, i * 3 + j, { acked, signal: stop.signal })),
  );
  try {
    const every = options.checkEvery ?? 10;
    for (let k = 1; k <= options.kills && violations.length === 0; k++) {
      await sleep(prng.between(100, 1200));
      const name = await killOnce(cluster, prng);
      log(`kill ${k}/${options.kills}: ${name} (${acked.size} writes acknowledged)`);
      if (k % every !== 0 && k !== options.kills) continue;
      violations.push(...(await check(cluster, acked)));
      checks++;
    }
    violations.push(...cluster.unexpectedExits().map((e) => `member crash: ${e}`));
    keep = violations.length > 0;
  } finally {
    stop.abort();
    await Promise.all(writers);
    await cluster.close();
    if (keep) log(`member data and logs kept in ${workDir}`);
    else await rm(workDir, { recursive: true, force: true });
  }
  return {
    seed: options.seed,
    kind: options.kind,
    kills: options.kills,
    acknowledged: acked.size,
    checks,
    violations,
  };
}
