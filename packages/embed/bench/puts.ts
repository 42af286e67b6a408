// embed's benchmark: in-process puts through the whole server (driver loop, durable WAL, Raft,
// kv-mvcc apply) from 1, 16 and 256 concurrent callers, for one member and for three members as
// three OS processes with ws peers on loopback. The callers run inside the measured member's
// process (the leader's), calling its in-process API, as an embedding program does. Beside
// each: raft-wal's durable ceiling measured in the same run, RaftLog.save of the same number of
// 256-byte entries per save (the group-commit batch a member reaches with that many callers).
// JSON lines through reportFigure (docs/benchmarks.md); the write-path counts (entries per WAL
// sync, store syncs per put) and, with BENCH_PROFILE=1, a CPU profile summary of the leader go
// to stderr.
// BENCH_MS (default 2000) sets each run's length; BENCH_CALLERS (default 1,16,256) the caller
// counts; BENCH_MEMBERS (default 1,3) the cluster sizes; BENCH_PROFILE=1 profiles the leader
// during each run and keeps the `.cpuprofile` files in BENCH_PROFILE_DIR (default a temp dir).
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { formatCpuProfileSummary, freePort, reportFigure } from '@keel/bench-kit';
import type { Entry } from '@keel/raft-core';
import { RaftLog } from '@keel/raft-wal';
import type { LoadReport, MemberCommand } from './bench-member.js';

const durationMs = Number(process.env['BENCH_MS'] ?? '2000');
const callerCounts = (process.env['BENCH_CALLERS'] ?? '1,16,256').split(',').map(Number);
const memberCounts = (process.env['BENCH_MEMBERS'] ?? '1,3').split(',').map(Number);
const profiling = process.env['BENCH_PROFILE'] === '1';
const bench = 'embed/puts';
const memberScript = fileURLToPath(new URL('./bench-member.ts', import.meta.url));
const value = new Uint8Array(256).fill(0x5a);
const dirs: string[] = [];

function freshDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'keel-embed-bench-'));
  dirs.push(d);
  return d;
}

const profileDir = profiling ? (process.env['BENCH_PROFILE_DIR'] ?? freshDir()) : '';

/** raft-wal's durable ceiling: entries/s with `batch` 256-byte entries per save. */
async function walEntriesPerSec(batch: number): Promise<number> {
  const log = RaftLog.open({ dir: freshDir() });
  let index = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < durationMs) {
    const entries: Entry[] = [];
    for (let i = 0; i < batch; i++) {
      index += 1;
      entries.push({ term: 1, index, type: 'EntryNormal', data: value });
    }
    await log.save({ entries, hardState: { term: 1, vote: 1, commit: index } });
  }
  const secs = (performance.now() - t0) / 1000;
  await log.close();
  return index / secs;
}

/** A member process and what it last said. */
class MemberProcess {
  memberId = 0;
  leaderId = 0;
  readonly #child: ChildProcess;
  readonly #listeners = new Set<(m: Record<string, unknown>) => void>();

  constructor(config: object) {
    this.#child = fork(memberScript, [JSON.stringify(config)], {
      execArgv: ['--conditions=@keel/source', '--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    this.#child.on('message', (raw) => {
      const m = raw as Record<string, unknown>;
      if (typeof m['memberId'] === 'number') this.memberId = m['memberId'];
      if (typeof m['leaderId'] === 'number') this.leaderId = m['leaderId'];
      for (const l of this.#listeners) l(m);
    });
  }

  /** Resolves with the first message `pick` accepts; rejects when the process exits first. */
  next<T>(pick: (m: Record<string, unknown>) => T | undefined): Promise<T> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => {
        this.#listeners.delete(listener);
        reject(new Error(`bench member exited with ${String(code)}`));
      };
      const listener = (m: Record<string, unknown>): void => {
        const v = pick(m);
        if (v === undefined) return;
        this.#listeners.delete(listener);
        this.#child.off('exit', onExit);
        resolve(v);
      };
      this.#listeners.add(listener);
      this.#child.once('exit', onExit);
    });
  }

  send(cmd: MemberCommand): void {
    this.#child.send(cmd);
  }

  /** Asks the member to close and waits for the process to end (SIGKILL after 10 s). */
  stop(): Promise<void> {
    const child = this.#child;
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.send({ op: 'stop' } satisfies MemberCommand);
    });
  }
}

async function startMembers(count: number): Promise<MemberProcess[]> {
  const ports = await Promise.all(Array.from({ length: count }, () => freePort()));
  const urls = ports.map((p) => `http://127.0.0.1:${String(p)}`);
  const initialCluster = urls.map((u, i) => `m${String(i)}=${u}`).join(',');
  const dir = freshDir();
  const members = urls.map(
    (url, i) =>
      new MemberProcess({
        name: `m${String(i)}`,
        dataDir: join(dir, `m${String(i)}`),
        listenPeerUrls: [url],
        initialAdvertisePeerUrls: [url],
        initialCluster,
        listenClientUrls: ['http://127.0.0.1:0'],
        advertiseClientUrls: ['http://127.0.0.1:0'],
      }),
  );
  await Promise.all(
    members.map((m) => m.next((x) => (x['event'] === 'started' ? true : undefined))),
  );
  // Every member agrees on one leader before the load starts.
  const agreed = (): boolean =>
    members.every((m) => m.leaderId !== 0 && m.leaderId === members[0]?.leaderId);
  const deadline = performance.now() + 30_000;
  while (!agreed()) {
    if (performance.now() > deadline) throw new Error('no leader within 30 s');
    await Promise.race(
      members.map((m) => m.next((x) => (x['event'] === 'leader' ? true : undefined))),
    );
  }
  return members;
}

function describeCounts(cond: string, r: LoadReport): string {
  const { applied, walSyncs, backendSyncs } = r.counts;
  const per = (a: number, b: number): string => (b === 0 ? '-' : (a / b).toFixed(2));
  return (
    `# ${cond}: ${String(r.ops)} puts, ${String(applied)} entries applied; ` +
    `${String(walSyncs)} WAL syncs (${per(applied, walSyncs)} entries each, ` +
    `${per(walSyncs * 1000, r.ops)} per 1000 puts); ${String(backendSyncs)} store syncs ` +
    `(${per(backendSyncs * 1000, r.ops)} per 1000 puts)`
  );
}

async function measure(members: number, callers: number, walCeiling: number): Promise<void> {
  const procs = await startMembers(members);
  try {
    const leader = procs.find((m) => m.memberId === m.leaderId);
    if (leader === undefined) throw new Error('the leader is not one of the members');
    const cond = `members=${String(members)} callers=${String(callers)}`;
    const profileFile = profiling
      ? join(profileDir, `leader-members${String(members)}-callers${String(callers)}.cpuprofile`)
      : undefined;
    leader.send({ op: 'load', callers, durationMs, ...(profileFile ? { profileFile } : {}) });
    const r = await leader.next((m) => {
      if (typeof m['error'] === 'string') throw new Error(m['error']);
      return m['load'] as LoadReport | undefined;
    });
    if (r.errors > 0) throw new Error(`${String(r.errors)} puts failed: ${String(r.firstError)}`);
    const baseline = `raft-wal durable entries/s at ${String(callers)} per save`;
    reportFigure({
      bench,
      metric: `puts/s ${cond}`,
      value: r.opsPerSec,
      unit: 'puts/s',
      baseline,
      baselineValue: walCeiling,
    });
    for (const [name, us] of [
      ['p50', r.p50Us],
      ['p99', r.p99Us],
    ] as const) {
      reportFigure({
        bench,
        metric: `put ${name} latency ${cond}`,
        value: us / 1000,
        unit: 'ms',
        baseline: `one raft-wal save at ${String(callers)} per save`,
        baselineValue: (callers / walCeiling) * 1000,
        better: 'lower',
      });
    }
    console.error(describeCounts(cond, r));
    if (r.profile !== undefined && profileFile !== undefined) {
      console.error(
        formatCpuProfileSummary(`# leader CPU profile ${cond} (${profileFile})`, r.profile),
      );
    }
  } finally {
    await Promise.all(procs.map((m) => m.stop()));
  }
}

try {
  if (profiling) mkdirSync(profileDir, { recursive: true });
  for (const callers of callerCounts) {
    const ceiling = await walEntriesPerSec(callers);
    for (const members of memberCounts) await measure(members, callers, ceiling);
  }
} finally {
  for (const d of dirs) if (d !== profileDir) rmSync(d, { recursive: true, force: true });
}
