import type { AckedWrite } from './acked-writes.js';
import type { LeaderObserver } from './leader-observer.js';
import type { LocalCluster } from './local-cluster.js';
import type { MemberProcess } from './member-process.js';
import type { Output } from './output.js';
import { demoKey, repeatRounds } from './put-get-loop.js';

/** What the three-member loop has done so far; updated as it goes (the live status reads it). */
export interface ClusterTally {
  rounds: number;
  acknowledged: number;
  failed: number;
  /** Every acknowledged write, in the order acknowledged, for the final check. */
  readonly acked: AckedWrite[];
}

/** Options of the three-member put/get loop. */
export interface ClusterLoopOptions {
  readonly cluster: LocalCluster;
  readonly observer: LeaderObserver;
  readonly intervalMs: number;
  readonly rounds: number;
  readonly out: Output;
  readonly tally: ClusterTally;
  readonly signal: AbortSignal;
}

/** The `n`th member in round-robin order over all members, skipping those not in `candidates`. */
function roundRobin(
  members: readonly MemberProcess[],
  candidates: readonly MemberProcess[],
  n: number,
): MemberProcess | undefined {
  for (let k = 0; k < members.length; k++) {
    const m = members[(n + k) % members.length];
    if (m !== undefined && candidates.includes(m)) return m;
  }
  return undefined;
}

function roleOf(member: MemberProcess, observer: LeaderObserver): string {
  const { leaderId, leaderName } = observer.view;
  if (leaderId === 0) return 'no leader known';
  return leaderName === member.name ? 'the leader' : 'a follower';
}

async function readFromFollower(
  options: ClusterLoopOptions,
  write: AckedWrite,
  round: number,
): Promise<string> {
  const { cluster, observer } = options;
  const serving = cluster.serving();
  // A follower other than the member the write went through shows the replication best.
  const followers = serving.filter((m) => m.name !== observer.view.leaderName);
  const others = followers.filter((m) => m.name !== write.via);
  const candidates = [others, followers, serving].find((c) => c.length > 0) ?? [];
  const reader = roundRobin(cluster.members, candidates, round);
  if (reader === undefined) return `${demoKey} : (not read: no member is serving)`;
  const res = await cluster.client(reader).get(demoKey).serializable(true).exec();
  const kv = res.kvs[0];
  const value = kv === undefined ? '(missing)' : kv.value.toString();
  const modRevision = kv === undefined ? 0 : Number(kv.mod_revision);
  const where = `put via ${write.via}, read from ${reader.name} (${roleOf(reader, observer)}, serializable)`;
  const stale =
    modRevision < write.revision
      ? `; stale: ${reader.name} has not applied revision ${write.revision} yet`
      : '';
  return `${demoKey} : ${value}  [${where}${stale}]`;
}

/**
 * The article's loop on three members with its read-write separation: each round puts
 * `yandaojiumozhi = mibao-<n>` through the next serving member in turn (a follower forwards the
 * write to the leader inside Raft), then reads the key from a follower with a serializable read
 * (served from that member's own state, so it may lag), and prints which member did what. A write
 * is acknowledged when its put returned; its revision is recorded for the final check.
 */
export async function runClusterLoop(options: ClusterLoopOptions): Promise<void> {
  const { cluster, out, tally } = options;
  await repeatRounds(options, async (round) => {
    tally.rounds = round;
    const writer = roundRobin(cluster.members, cluster.serving(), round - 1);
    const value = `mibao-${Math.floor(Math.random() * 100)}`;
    let write: AckedWrite;
    try {
      if (writer === undefined) throw new Error('no member is serving');
      const res = await cluster.client(writer).put(demoKey).value(value).exec();
      write = { revision: Number(res.header.revision), value, via: writer.name };
    } catch (e) {
      tally.failed++;
      const via = writer === undefined ? '' : ` via ${writer.name}`;
      out.line(
        `round ${round}: put${via} failed, not acknowledged (${(e as Error).message}); the loop goes on`,
      );
      return;
    }
    tally.acknowledged++;
    tally.acked.push(write);
    try {
      out.line(await readFromFollower(options, write, round - 1));
    } catch (e) {
      out.line(
        `round ${round}: put via ${write.via} acknowledged; the read failed (${(e as Error).message})`,
      );
    }
  });
}
