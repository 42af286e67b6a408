import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { bulkLoad } from './bulk-load.js';
import { restartMember, startCluster, stopCluster, waitWritable, type Cluster } from './cluster.js';
import { stopMember, type SystemName } from './member-process.js';
import type { ScenarioContext } from './scenarios.js';

/** Keys loaded into each system before its restarts. */
async function loadBoth(ctx: ScenarioContext, clusters: Map<SystemName, Cluster>): Promise<number> {
  const { plan, recorder } = ctx;
  // keel loads first within the budget; etcd then gets exactly as many keys (a generous bound:
  // it is the baseline, and both must restart with the same data).
  const keelUrl = clusters.get('keel')?.clientUrls[0] ?? '';
  const keys = await bulkLoad(keelUrl, {
    prefix: 'restart/',
    count: plan.restartKeys,
    budgetMs: plan.restartLoadBudgetMs,
  });
  const etcdUrl = clusters.get('etcd')?.clientUrls[0] ?? '';
  const etcdKeys = await bulkLoad(etcdUrl, {
    prefix: 'restart/',
    count: keys,
    budgetMs: 4 * plan.restartLoadBudgetMs,
  });
  if (etcdKeys !== keys) throw new Error(`etcd loaded ${etcdKeys} of ${keys} keys in time`);
  if (keys < plan.restartKeys) {
    recorder.note(
      `restart time is measured with ${keys} keys, not ${plan.restartKeys}: loading keel ` +
        `took longer than the ${plan.restartLoadBudgetMs / 1000} s budget of this run`,
    );
  }
  return keys;
}

/**
 * Restart time: one member per system loaded with `plan.restartKeys` keys of 256 B (fewer, and
 * said so, when loading exceeds the budget), stopped with SIGTERM, then started again on its data
 * `plan.repetitions` times, alternating the systems; the time is from the spawn until a put
 * succeeds.
 */
export async function measureRestarts(ctx: ScenarioContext): Promise<void> {
  const systems: SystemName[] = ['keel', 'etcd'];
  const clusters = new Map<SystemName, Cluster>();
  try {
    for (const system of systems) {
      const c = await startCluster(system, 1, join(ctx.dataRoot, `${system}-restart`));
      clusters.set(system, c);
      ctx.running.add(c);
    }
    const keys = await loadBoth(ctx, clusters);
    for (const c of clusters.values()) await stopMember(c.members[0] ?? missing());
    for (let rep = 0; rep < ctx.plan.repetitions; rep++) {
      const order = rep % 2 === 0 ? systems : [...systems].reverse();
      for (const system of order) {
        const c = clusters.get(system) ?? missing();
        const t0 = performance.now();
        const m = restartMember(c, 0);
        await waitWritable(c.clientUrls[0] ?? '');
        const ms = performance.now() - t0;
        await stopMember(m);
        ctx.recorder.add({
          system,
          group: 'result',
          metric: `restart ms to first write keys=${keys} members=1`,
          unit: 'ms',
          better: 'lower',
          value: ms,
        });
      }
    }
  } finally {
    for (const c of clusters.values()) {
      ctx.running.delete(c);
      await stopCluster(c);
    }
  }
}

function missing(): never {
  throw new Error('restart: a cluster is missing');
}
