// The end of a run: every fault healed (partitions cleared, paused members resumed, killed ones
// restarted), a leader elected, then a linearizable read of each workload's range, retried
// within a deadline because a member may still be catching up.
import { ChaosError } from '../errors.js';
import { settleTimeoutMs } from '../limits.js';
import { sleep } from './clients.js';
import type { Cluster } from './cluster.js';
import { healPartitions } from './nemesis.js';
import { prefixEnd } from './range-watcher.js';

/** One key of a range as the final read saw it. */
export interface FinalKv {
  readonly key: string;
  readonly value: string;
  readonly modRev: number;
}

/** A range as the final read saw it, at header revision `revision`. */
export interface FinalRange {
  readonly kvs: readonly FinalKv[];
  readonly revision: number;
}

/** Heals every fault and waits for every member to answer and a leader to be known. */
export async function settleCluster(cluster: Cluster): Promise<void> {
  await healPartitions(cluster);
  for (const m of cluster.members) {
    m.resume();
    if (m.state === 'down') m.start();
  }
  await Promise.all(cluster.members.map((_, i) => cluster.waitReady(i)));
  await cluster.waitLeader();
}

/**
 * A linearizable read of every key under `prefix`, from the first member that answers.
 *
 * @throws ChaosError `CLUSTER_FAILED` when no member answers within `settleTimeoutMs`.
 */
export async function readFinalRange(cluster: Cluster, prefix: string): Promise<FinalRange> {
  const until = performance.now() + settleTimeoutMs;
  let last = 'no answer';
  for (let turn = 0; performance.now() < until; turn++) {
    const client = cluster.clients[turn % cluster.clients.length];
    try {
      const res = await client?.kv.range({
        key: Buffer.from(prefix),
        range_end: prefixEnd(prefix),
      });
      if (res !== undefined) {
        const kvs = res.kvs.map((kv) => ({
          key: kv.key.toString(),
          value: kv.value.toString(),
          modRev: Number(kv.mod_revision),
        }));
        return { kvs, revision: Number(res.header.revision) };
      }
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    await sleep(200);
  }
  throw new ChaosError({
    code: 'CLUSTER_FAILED',
    message: `no final read of ${prefix} within ${settleTimeoutMs} ms: ${last}`,
  });
}
