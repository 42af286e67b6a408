// One chaos run: a cluster of member processes, register and list-append workers and range
// watchers recording everything, the fault schedule for the run's duration, then healing, final
// reads, and the checks. Everything random comes from the seed, which is logged first.
import { setMaxListeners } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HistoryRecorder, type Operation } from '../history.js';
import type { ListAppendInput, ListAppendOutput } from '../models/list-append.js';
import type { RegisterInput, RegisterOutput } from '../models/register.js';
import { settleTimeoutMs } from '../limits.js';
import { sleep } from './clients.js';
import { Cluster } from './cluster.js';
import { readFinalRange, settleCluster, type FinalRange } from './final-state.js';
import { listPrefix, runListWorker } from './list-worker.js';
import type { ClusterKind } from './member-process.js';
import { runNemesis, type FaultKind, type FaultRecord, type NemesisTiming } from './nemesis.js';
import { Prng } from './prng.js';
import { RangeWatcher } from './range-watcher.js';
import { registerPrefix, runRegisterWorker, type WorkerContext } from './register-worker.js';
import { judgeRun } from './verdict.js';
import type { WatcherLog } from '../watch-checker.js';

/** What to run. */
export interface ChaosOptions {
  readonly kind: ClusterKind;
  readonly members: number;
  readonly durationMs: number;
  readonly seed: number;
  readonly faults: readonly FaultKind[];
  /** Where reports go on a violation (a timestamped directory under it). */
  readonly outDir: string;
  readonly timing?: NemesisTiming;
  /** Progress lines (seed, faults, summary). */
  readonly log?: (line: string) => void;
}

/** Counts of one history's operations by outcome. */
export interface OpCounts {
  readonly ok: number;
  readonly fail: number;
  readonly unknown: number;
}

/** What a run did and found. */
export interface ChaosReport {
  readonly seed: number;
  readonly kind: ClusterKind;
  readonly members: number;
  readonly registerOps: OpCounts;
  readonly listOps: OpCounts;
  readonly watchEvents: number;
  readonly keysChecked: number;
  readonly inconclusiveKeys: number;
  readonly faults: readonly FaultRecord[];
  /** One line per violation; empty when the run passed. */
  readonly violations: readonly string[];
  /** Where the evidence is, when there is a violation. */
  readonly reportDir?: string;
}

const defaultTiming: NemesisTiming = { quietMs: [1000, 3000], holdMs: [1000, 4000] };
const keyGenerationMs = 15_000;

function counts(ops: readonly Operation<unknown, unknown>[]): OpCounts {
  const by = (o: string) => ops.filter((op) => op.outcome === o).length;
  return { ok: by('ok'), fail: by('fail'), unknown: by('unknown') };
}

interface Running {
  readonly cluster: Cluster;
  readonly registers: HistoryRecorder<RegisterInput, RegisterOutput>;
  readonly lists: HistoryRecorder<ListAppendInput, ListAppendOutput>;
  readonly watchers: readonly { prefix: string; watcher: RangeWatcher }[];
}

function startWorkloads(running: Running, prng: Prng, signal: AbortSignal): Promise<void>[] {
  const { cluster } = running;
  let process = 0;
  const t0 = performance.now();
  const ctx: WorkerContext = {
    prng,
    signal,
    nextProcess: () => process++,
    generation: () => Math.floor((performance.now() - t0) / keyGenerationMs),
    keysPerGeneration: 3,
  };
  const n = cluster.members.length;
  const work: Promise<void>[] = [];
  for (let i = 0; i < 2 * n; i++) {
    work.push(runRegisterWorker(ctx, cluster.client(i), running.registers));
  }
  for (let i = 0; i < n; i++) {
    work.push(runListWorker(ctx, cluster.client(i + 1), running.lists));
  }
  for (const { watcher } of running.watchers) watcher.start();
  return work;
}

/** Waits for every watcher to catch up with its range's final read, then stops them. */
async function finishWatchers(
  running: Running,
  finals: Map<string, { revision: number; maxModRev: number }>,
) {
  const until = performance.now() + settleTimeoutMs;
  const stalled: string[] = [];
  for (const [i, { prefix, watcher }] of running.watchers.entries()) {
    const final = finals.get(prefix);
    if (final === undefined) continue;
    const caughtUp = await watcher.waitFor(final.maxModRev, until);
    if (!caughtUp)
      stalled.push(
        `watcher ${i} on ${prefix} stopped at revision ${watcher.lastRevision}, the range reached ${final.maxModRev}`,
      );
    await watcher.stop(caughtUp ? final.revision : undefined);
  }
  return stalled;
}

async function faultPhase(
  running: Running,
  options: ChaosOptions,
  prng: Prng,
): Promise<FaultRecord[]> {
  const log = options.log ?? (() => undefined);
  const faults: FaultRecord[] = [];
  const nemesisStop = new AbortController();
  const nemesis = runNemesis(
    {
      cluster: running.cluster,
      prng: prng.fork(),
      signal: nemesisStop.signal,
      timing: options.timing ?? defaultTiming,
      kinds: options.faults,
    },
    (f) => {
      faults.push(f);
      log(`fault ${f.kind} at ${f.atMs} ms: ${f.detail}`);
    },
  );
  // A fault that fails (a member that does not come back) ends the fault phase at once; awaiting
  // the schedule below then throws its error.
  const failed = new AbortController();
  nemesis.catch(() => {
    failed.abort();
  });
  await sleep(options.durationMs, failed.signal);
  nemesisStop.abort();
  await nemesis;
  return faults;
}

/** After the faults: heal, read the final state, let the watchers catch up, and judge. */
async function finishRun(
  running: Running,
  options: ChaosOptions,
  faults: readonly FaultRecord[],
): Promise<ChaosReport> {
  const { cluster, watchers } = running;
  await settleCluster(cluster);
  const finalRegisters = await readFinalRange(cluster, registerPrefix);
  const finalLists = await readFinalRange(cluster, listPrefix);
  const maxRev = (r: FinalRange) => ({
    revision: r.revision,
    maxModRev: Math.max(0, ...r.kvs.map((kv) => kv.modRev)),
  });
  const finals = new Map([
    [registerPrefix, maxRev(finalRegisters)],
    [listPrefix, maxRev(finalLists)],
  ]);
  const stalled = await finishWatchers(running, finals);
  const reportDir = join(options.outDir, `${options.kind}-seed-${options.seed}`);
  const byPrefix = new Map<string, WatcherLog[]>();
  for (const { prefix, watcher } of watchers) {
    byPrefix.set(prefix, [...(byPrefix.get(prefix) ?? []), ...watcher.logs()]);
  }
  const registers = running.registers.operations();
  const lists = running.lists.operations();
  const evidence = { registers, lists, finalRegisters, finalLists, watchers: byPrefix };
  const verdict = await judgeRun(evidence, reportDir);
  const crashes = cluster.unexpectedExits().map((e) => `member crash: ${e}`);
  const violations = [...crashes, ...stalled, ...verdict.violations];
  return {
    seed: options.seed,
    kind: options.kind,
    members: options.members,
    registerOps: counts(registers),
    listOps: counts(lists),
    watchEvents: [...byPrefix.values()].flat().reduce((sum, w) => sum + w.events.length, 0),
    keysChecked: verdict.keysChecked,
    inconclusiveKeys: verdict.inconclusiveKeys,
    faults,
    violations,
    ...(violations.length > 0 ? { reportDir } : {}),
  };
}

function describeOptions(o: ChaosOptions): string {
  const seconds = Math.round(o.durationMs / 1000);
  return (
    `chaos seed=${o.seed} cluster=${o.kind} members=${o.members} seconds=${seconds} ` +
    `faults=${o.faults.join(',')}`
  );
}

/**
 * Runs the workloads against a fresh cluster under faults for `durationMs`, then checks the
 * history. Never throws for a violation: the report lists them, and the members' data and logs
 * are kept (their directory is logged).
 *
 * @throws ChaosError `CLUSTER_FAILED` when the cluster cannot start or serve final reads.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? (() => undefined);
  log(describeOptions(options));
  const prng = new Prng(options.seed);
  const workDir = await mkdtemp(join(tmpdir(), `chaos-${options.kind}-`));
  const cluster = await Cluster.start({ kind: options.kind, size: options.members, dir: workDir });
  const watchers = [registerPrefix, registerPrefix, listPrefix, listPrefix].map((prefix, i) => ({
    prefix,
    watcher: new RangeWatcher({ id: `w${i}`, prefix, clients: cluster.clients, member: i }),
  }));
  const running: Running = {
    cluster,
    registers: new HistoryRecorder(),
    lists: new HistoryRecorder(),
    watchers,
  };
  const stopWork = new AbortController();
  // Every worker waits on this signal while it backs off; more than Node's default of 10 is normal.
  setMaxListeners(64, stopWork.signal);
  let keep = true;
  try {
    const work = startWorkloads(running, prng.fork(), stopWork.signal);
    const faults = await faultPhase(running, options, prng);
    stopWork.abort();
    await Promise.all(work);
    const report = await finishRun(running, options, faults);
    keep = report.violations.length > 0;
    return report;
  } finally {
    stopWork.abort();
    for (const { watcher } of watchers) await watcher.stop();
    await cluster.close();
    if (keep) log(`member data and logs kept in ${workDir}`);
    else await rm(workDir, { recursive: true, force: true });
  }
}
