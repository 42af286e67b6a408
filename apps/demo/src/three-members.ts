import { rm } from 'node:fs/promises';
import { describeLostWrite, findLostWrites, type LostWrite } from './acked-writes.js';
import type { DemoArgs } from './args.js';
import { runChaos } from './chaos.js';
import { runClusterLoop, type ClusterTally } from './cluster-loop.js';
import { LeaderObserver } from './leader-observer.js';
import { describeLeaderView } from './leader-view.js';
import { memberStartMs, readBackMs } from './limits.js';
import { pause } from './pause.js';
import { LocalCluster } from './local-cluster.js';
import type { Output } from './output.js';
import { readBack } from './read-back.js';

/** What the three-member demo did, for its last lines and its exit status. */
export interface ThreeMembersResult {
  readonly tally: ClusterTally;
  /** Leaders killed by `--chaos`. */
  readonly kills: number;
  /** Acknowledged writes the final check did not find; empty when none was lost. */
  readonly lost: readonly LostWrite[];
}

function statusLine(cluster: LocalCluster, observer: LeaderObserver, tally: ClusterTally): string {
  const roles = cluster.members.map((m) => {
    if (!m.isServing) return `${m.name} down`;
    if (observer.view.leaderId === 0) return `${m.name} up`;
    return `${m.name} ${observer.view.leaderName === m.name ? 'leader' : 'follower'}`;
  });
  return `${roles.join(' · ')} | term ${observer.view.term} | ${tally.acknowledged} acknowledged, ${tally.failed} failed`;
}

async function startCluster(out: Output): Promise<LocalCluster> {
  out.line('starting 3 keel members as child processes on 127.0.0.1...');
  const cluster = await LocalCluster.start(3, (member, how) => {
    out.error(
      `member ${member.name} exited unexpectedly (${how}); the demo goes on with the others`,
    );
  });
  // If this process dies without stopping them (an uncaught error), the members die with it.
  process.once('exit', () => {
    cluster.killNow();
  });
  for (const m of cluster.members)
    out.line(
      `${m.name}: pid ${String(m.pid)}, clients ${m.spec.clientUrl}, peers ${m.spec.peerUrl}`,
    );
  out.line(
    `data directories in ${cluster.dir} (removed when the demo stops, kept if a write was lost)`,
  );
  return cluster;
}

async function checkAcked(
  cluster: LocalCluster,
  tally: ClusterTally,
  out: Output,
): Promise<LostWrite[]> {
  out.line(
    `checking the ${tally.acked.length} acknowledged writes (each read back at its revision)...`,
  );
  const stored = await readBack(
    cluster,
    tally.acked.map((w) => w.revision),
    readBackMs,
  );
  const lost = findLostWrites(tally.acked, stored);
  for (const l of lost) out.error(describeLostWrite(l));
  out.line(
    `acknowledged writes: ${tally.acked.length}, present: ${tally.acked.length - lost.length}, lost: ${lost.length}`,
  );
  return lost;
}

/**
 * The article on a three-member cluster of `keel` processes: writes through every member in turn,
 * reads from followers, leader changes printed as the members report them, and with `--chaos`
 * the leader killed and restarted every few seconds. When the loop stops (its rounds, `signal`),
 * every acknowledged write is read back; the data directories are removed unless one was lost.
 *
 * @throws DemoError MEMBER_EXITED when a member cannot start; CHECK_FAILED when the final check
 * cannot read the writes back (the data directories are kept then).
 */
export async function runThreeMembers(
  args: DemoArgs,
  out: Output,
  signal: AbortSignal,
): Promise<ThreeMembersResult> {
  const cluster = await startCluster(out);
  const tally: ClusterTally = { rounds: 0, acknowledged: 0, failed: 0, acked: [] };
  const observer = new LeaderObserver(cluster);
  const stop = new AbortController();
  const onAbort = () => {
    stop.abort();
  };
  signal.addEventListener('abort', onAbort);
  if (signal.aborted) stop.abort(); // Ctrl-C while the members started
  let firstLeader: () => void = () => undefined;
  const elected = new Promise<void>((resolve) => (firstLeader = resolve));
  const watching = observer.run(stop.signal, (changed) => {
    if (changed) out.leader(describeLeaderView(observer.view));
    if (observer.view.leaderId !== 0) firstLeader();
    out.status(statusLine(cluster, observer, tally));
  });
  out.line('waiting for the members to elect a leader...');
  await Promise.race([elected, pause(memberStartMs, stop.signal)]);
  if (observer.view.leaderId === 0 && !stop.signal.aborted)
    out.error(
      `no leader after ${memberStartMs / 1000} s; the loop starts anyway (writes fail until one is elected)`,
    );
  const chaos =
    args.chaosMs > 0
      ? runChaos({ cluster, observer, everyMs: args.chaosMs, out, signal: stop.signal })
      : Promise.resolve(0);
  let lost: LostWrite[] | undefined;
  try {
    const { intervalMs, rounds } = args;
    await runClusterLoop({
      cluster,
      observer,
      intervalMs,
      rounds,
      out,
      tally,
      signal: stop.signal,
    });
    stop.abort();
    const kills = await chaos;
    await watching;
    out.status('');
    lost = await checkAcked(cluster, tally, out);
    return { tally, kills, lost };
  } finally {
    stop.abort();
    signal.removeEventListener('abort', onAbort);
    await Promise.allSettled([chaos, watching]);
    await cluster.stop();
    // Kept when a write was lost or the check could not run, so the data can be examined.
    if (lost?.length === 0) await rm(cluster.dir, { recursive: true, force: true });
  }
}
