// The scenarios of `pnpm bench:etcd`, run for one system at a time: the same code, the same
// flags and the same load generator for keel and for etcd. Each function records what it measured
// in the Recorder; the caller alternates the systems and repeats.
import { join } from 'node:path';
import { bulkLoad } from './bulk-load.js';
import { leaderIndex, startCluster, stopCluster, type Cluster } from './cluster.js';
import { measureFailover } from './failover.js';
import type { LoadGenerator } from './load-generator.js';
import { residentBytes, type SystemName } from './member-process.js';
import type { Recorder } from './observations.js';
import type { RunPlan } from './run-plan.js';
import type { LoadOp } from './worker-protocol.js';

/** What every scenario needs: the plan, the generator, where data goes, and the recorder. */
export interface ScenarioContext {
  readonly plan: RunPlan;
  readonly generator: LoadGenerator;
  /** Parent directory of every cluster's data directories. */
  readonly dataRoot: string;
  readonly recorder: Recorder;
  /** Clusters now running, so a failed run can stop them all. */
  readonly running: Set<Cluster>;
}

/** One closed-loop load and what it is called. */
interface LoadCase {
  readonly name: string;
  readonly unit: string;
  readonly op: LoadOp;
  readonly clients: number;
  readonly endpoints: readonly string[];
  readonly keyPrefix: string;
}

const pidsOf = (c: Cluster) => c.members.map((m) => m.pid);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function withCluster<T>(
  ctx: ScenarioContext,
  spec: { system: SystemName; size: number; dir: string },
  body: (c: Cluster) => Promise<T>,
): Promise<T> {
  const cluster = await startCluster(spec.system, spec.size, join(ctx.dataRoot, spec.dir));
  ctx.running.add(cluster);
  try {
    return await body(cluster);
  } finally {
    ctx.running.delete(cluster);
    await stopCluster(cluster);
  }
}

/** Runs one load case and records throughput, p99 latency and the generator's CPU. */
async function measureLoad(ctx: ScenarioContext, cluster: Cluster, c: LoadCase): Promise<void> {
  const { plan, generator, recorder } = ctx;
  const r = await generator.run(
    {
      endpoints: c.endpoints,
      clients: c.clients,
      op: c.op,
      keyPrefix: c.keyPrefix,
      warmupMs: plan.warmupMs,
      durationMs: plan.durationMs,
    },
    pidsOf(cluster),
  );
  const system = cluster.system;
  if (r.errors > 0) {
    recorder.note(
      `${system} ${c.name}: ${r.errors} failed requests (first: ${r.firstError ?? '?'})`,
    );
  }
  const base = { system, group: 'result' } as const;
  recorder.add({
    ...base,
    metric: `${c.unit} ${c.name}`,
    unit: c.unit,
    better: 'higher',
    value: r.opsPerSec,
  });
  recorder.add({
    ...base,
    metric: `p99 ${c.name} op=${c.op}`,
    unit: 'us',
    better: 'lower',
    value: r.p99Us,
  });
  recorder.add({
    system,
    group: 'generator',
    metric: `generator ${c.unit} ${c.name}`,
    unit: 'cores',
    better: 'lower',
    value: r.generatorCores,
  });
  process.stderr.write(
    `bench-etcd:   generator ${r.generatorCores.toFixed(2)} cores (busiest thread ` +
      `${(r.generatorBusiest * 100).toFixed(0)}%), servers ${r.serverCores.toFixed(2)} cores\n`,
  );
}

/**
 * One member: resident memory after `plan.memoryKeys` keys of 256 B on a fresh member, then
 * puts at each client count.
 */
export async function measureOneMember(ctx: ScenarioContext, system: SystemName): Promise<void> {
  await withCluster(ctx, { system, size: 1, dir: `${system}-1` }, async (cluster) => {
    const url = cluster.clientUrls[0] ?? '';
    const keys = ctx.plan.memoryKeys;
    await bulkLoad(url, { prefix: 'memory/', count: keys, budgetMs: Infinity });
    await sleep(500); // let the write path settle (group commits, caches) before reading RSS
    const rss = cluster.members.reduce((sum, m) => sum + residentBytes(m.pid), 0);
    ctx.recorder.add({
      system,
      group: 'result',
      metric: `RSS after ${keys} keys of 256 B members=1`,
      unit: 'MB',
      better: 'lower',
      value: rss / 2 ** 20,
    });
    for (const clients of ctx.plan.putClients) {
      await measureLoad(ctx, cluster, {
        name: `clients=${clients} members=1 target=leader`,
        unit: 'puts/s',
        op: 'put',
        clients,
        endpoints: cluster.clientUrls,
        keyPrefix: 'put/',
      });
    }
  });
}

/**
 * Three members: puts to the leader and spread over all members at each client count, ranges
 * (linearizable, serializable) and the 90/10 mix spread over all members, watch fan-out, and
 * last failover (which leaves the cluster one member short).
 */
export async function measureThreeMembers(ctx: ScenarioContext, system: SystemName): Promise<void> {
  await withCluster(ctx, { system, size: 3, dir: `${system}-3` }, async (cluster) => {
    const leader = cluster.clientUrls[await leaderIndex(cluster)] ?? '';
    const all = cluster.clientUrls;
    for (const clients of ctx.plan.putClients) {
      for (const [target, endpoints] of [
        ['leader', [leader]],
        ['all', all],
      ] as const) {
        await measureLoad(ctx, cluster, {
          name: `clients=${clients} members=3 target=${target}`,
          unit: 'puts/s',
          op: 'put',
          clients,
          endpoints,
          keyPrefix: 'put/',
        });
      }
    }
    await measureReads(ctx, cluster);
    await measureWatch(ctx, cluster);
    const f = await measureFailover(cluster, {
      clients: ctx.plan.failoverClients,
      beforeMs: ctx.plan.durationMs,
      afterMs: ctx.plan.durationMs,
    });
    const base = { system, group: 'result', better: 'lower' } as const;
    const name = `members=3 clients=${ctx.plan.failoverClients}`;
    ctx.recorder.add({
      ...base,
      metric: `failover ms to first write ${name}`,
      unit: 'ms',
      value: f.recoveryMs,
    });
    ctx.recorder.add({
      ...base,
      metric: `failover acknowledged writes lost ${name}`,
      unit: 'writes',
      value: f.lost,
    });
    if (f.lost > 0)
      ctx.recorder.note(`${system} lost ${f.lost} of ${f.acked} acknowledged writes in failover`);
  });
}

async function measureReads(ctx: ScenarioContext, cluster: Cluster): Promise<void> {
  const clients = ctx.plan.readClients;
  const cases = [
    ['ranges/s', 'range-linearizable'],
    ['ranges/s', 'range-serializable'],
    ['ops/s', 'mix-90-10'],
  ] as const;
  for (const [unit, op] of cases) {
    await measureLoad(ctx, cluster, {
      name: `${op} clients=${clients} members=3 target=all`,
      unit,
      op,
      clients,
      endpoints: cluster.clientUrls,
      keyPrefix: 'put/', // the keys the put scenarios wrote
    });
  }
}

/** Events per second delivered to `plan.watchers` watchers while `plan.watchWriters` write. */
async function measureWatch(ctx: ScenarioContext, cluster: Cluster): Promise<void> {
  const { plan, generator } = ctx;
  const all = cluster.clientUrls;
  await generator.openWatchers({ endpoints: all, watchers: plan.watchers, prefix: 'watch/' });
  try {
    const before = { events: await generator.watchEvents(), at: performance.now() };
    const writes = await generator.run(
      {
        endpoints: all,
        clients: plan.watchWriters,
        op: 'put',
        keyPrefix: 'watch/',
        warmupMs: plan.warmupMs,
        durationMs: plan.durationMs,
      },
      pidsOf(cluster),
    );
    const events = (await generator.watchEvents()) - before.events;
    const rate = (events * 1000) / (performance.now() - before.at);
    ctx.recorder.add({
      system: cluster.system,
      group: 'result',
      metric: `watch events/s delivered watchers=${plan.watchers} writers=${plan.watchWriters} members=3`,
      unit: 'events/s',
      better: 'higher',
      value: rate,
    });
    process.stderr.write(
      `bench-etcd:   ${writes.opsPerSec.toFixed(0)} puts/s written, ` +
        `${(rate / Math.max(1, writes.opsPerSec * plan.watchers)).toFixed(2)} of their events delivered\n`,
    );
  } finally {
    await generator.watchEvents('watch-close');
  }
}
