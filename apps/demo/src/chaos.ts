import type { LeaderObserver } from './leader-observer.js';
import type { LocalCluster } from './local-cluster.js';
import type { MemberProcess } from './member-process.js';
import type { Output } from './output.js';
import { pause } from './pause.js';

/** Options of the chaos schedule. */
export interface ChaosOptions {
  readonly cluster: LocalCluster;
  readonly observer: LeaderObserver;
  /** Kill the leader every this many milliseconds. */
  readonly everyMs: number;
  readonly out: Output;
  readonly signal: AbortSignal;
}

/**
 * Every `everyMs`, kills the current leader's process with SIGKILL (no clean shutdown: whatever
 * it had not made durable is gone) and starts it again from its data directory at once. One
 * member at most is down at a time, so the other two keep a quorum and elect a new leader.
 * Resolves with the number of kills once `signal` aborts and any restart under way finished.
 */
export async function runChaos(options: ChaosOptions): Promise<number> {
  const { observer, out, signal } = options;
  let kills = 0;
  // The period runs from one kill to the next, whatever the restart took.
  let nextMs = performance.now() + options.everyMs;
  await pause(options.everyMs, signal);
  while (!signal.aborted) {
    nextMs += options.everyMs;
    const leader = observer.leader();
    if (leader === undefined) {
      out.fault('chaos: no leader to kill right now (an election is under way)');
    } else {
      kills++;
      // Killing another leader while this one is down would leave no quorum: stop instead.
      if (!(await killAndRestart(options, leader))) return kills;
    }
    await pause(Math.max(0, nextMs - performance.now()), signal);
  }
  return kills;
}

/** Kills `leader` with SIGKILL and starts it again; returns whether it came back. */
async function killAndRestart(options: ChaosOptions, leader: MemberProcess): Promise<boolean> {
  const { cluster, out } = options;
  out.fault(`chaos: SIGKILL ${leader.name} (the leader, pid ${String(leader.pid)})`);
  await cluster.kill(leader, 'SIGKILL');
  out.fault(`chaos: restarting ${leader.name} from its data directory ${leader.spec.dataDir}`);
  try {
    await cluster.restart(leader);
    out.fault(`chaos: ${leader.name} is back (pid ${String(leader.pid)})`);
    return true;
  } catch (e) {
    out.error(`chaos stops: ${leader.name} did not come back: ${(e as Error).message}`);
    return false;
  }
}
