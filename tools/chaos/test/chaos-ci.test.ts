// Goal: the bounded chaos profile that CI runs on every change (about two minutes): a 3-member
// keel cluster as OS processes under SIGKILL/restart, SIGSTOP/SIGCONT, network partitions,
// leader transfers and membership changes (a member removed, wiped, re-added as a learner and
// promoted) stays linearizable per key, loses no acknowledged write, and its watchers see every
// event in order; the same workloads and faults (without the keel-only partitions) pass against
// real etcd 3.4, which shows the harness itself is fair; and members
// SIGKILLed during heavy writes come back with every acknowledged write and equal HashKV.
// Method: real processes, real sockets on 127.0.0.1, the etcd3 client, the checkers of this
// package. The seed is random unless CHAOS_SEED is set, and printed first: a failure replays with
// `pnpm chaos --seed S` (the report names the evidence directory).
import { randomInt } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChaos, type ChaosOptions, type ChaosReport } from '../src/runner/run-chaos.js';
import { runCrashCheck } from '../src/runner/crash-check.js';

const seed =
  process.env['CHAOS_SEED'] === undefined ? randomInt(2 ** 31) : Number(process.env['CHAOS_SEED']);
const log = (line: string): void => {
  process.stderr.write(`chaos: ${line}\n`);
};
let outDir = '';

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'chaos-ci-'));
  log(`CHAOS_SEED=${seed}`);
});

afterAll(async () => {
  await rm(outDir, { recursive: true, force: true });
});

function faultCount(report: ChaosReport, kind: string): number {
  return report.faults.filter((f) => f.kind === kind && f.detail !== 'unsupported').length;
}

/**
 * Runs one chaos profile on 3 members with CI's fault timing, logs its summary, and returns its
 * report (checked by the caller).
 */
async function ciChaos(
  o: Pick<ChaosOptions, 'kind' | 'durationMs' | 'seed' | 'faults'>,
): Promise<ChaosReport> {
  const timing = { quietMs: [500, 2000], holdMs: [1000, 3000] } as const;
  const report = await runChaos({ ...o, members: 3, outDir, timing, log });
  log(JSON.stringify({ ...report, faults: report.faults.length }));
  return report;
}

describe('chaos, bounded CI profile', () => {
  it('keel: 3 members under kills, pauses, partitions, transfers and membership changes stay linearizable and lose nothing', async () => {
    const report = await ciChaos({
      kind: 'keel',
      durationMs: 45_000,
      seed,
      faults: ['kill', 'pause', 'partition', 'transfer', 'membership'],
    });
    expect(report.violations).toEqual([]);
    expect(faultCount(report, 'kill')).toBeGreaterThan(0);
    expect(faultCount(report, 'partition')).toBeGreaterThan(0);
    expect(faultCount(report, 'membership')).toBeGreaterThan(0);
    expect(report.registerOps.ok + report.listOps.ok).toBeGreaterThan(200);
    expect(report.watchEvents).toBeGreaterThan(0);
  }, 180_000);

  it('etcd 3.4: the same workloads and faults pass (the harness is fair)', async () => {
    const report = await ciChaos({
      kind: 'etcd',
      durationMs: 20_000,
      seed: seed + 1,
      faults: ['kill', 'pause', 'transfer', 'membership'],
    });
    expect(report.violations).toEqual([]);
    expect(faultCount(report, 'kill')).toBeGreaterThan(0);
    expect(faultCount(report, 'transfer')).toBeGreaterThan(0);
  }, 120_000);

  it('keel: members SIGKILLed during heavy writes keep every acknowledged write, equal HashKV', async () => {
    const report = await runCrashCheck({
      kind: 'keel',
      members: 3,
      kills: 5,
      seed: seed + 2,
      checkEvery: 5,
      log,
    });
    log(JSON.stringify(report));
    expect(report.violations).toEqual([]);
    expect(report.checks).toBe(1);
    expect(report.acknowledged).toBeGreaterThan(0);
  }, 180_000);
});
