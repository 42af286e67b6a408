// embed's benchmark: in-process puts through the whole server (driver loop, durable WAL, Raft,
// kv-mvcc apply) from 1, 16 and 256 concurrent callers, for one member and for three members in
// one process (ws peers on loopback), beside raft-wal's durable ceiling measured in the same run:
// RaftLog.save of the same number of 256-byte entries per save (the group-commit batch a member
// reaches with that many callers). JSON lines through reportFigure (docs/benchmarks.md).
// BENCH_MS (default 2000) sets each run's length. Three members as OS processes are not measured
// yet (see the README).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { freePort, reportFigure, runClosedLoop } from '@keel/bench-kit';
import type { Entry } from '@keel/raft-core';
import { RaftLog } from '@keel/raft-wal';
import { startServer, type Server } from '../src/index.js';

const durationMs = Number(process.env['BENCH_MS'] ?? '2000');
const bench = 'embed/puts';
const value = new Uint8Array(256).fill(0x5a);
const dirs: string[] = [];

function freshDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'keel-embed-bench-'));
  dirs.push(d);
  return d;
}

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

async function startMembers(count: number): Promise<Server[]> {
  const ports = await Promise.all(Array.from({ length: count }, () => freePort()));
  const urls = ports.map((p) => `http://127.0.0.1:${p}`);
  const initialCluster = urls.map((u, i) => `m${i}=${u}`).join(',');
  const dir = freshDir();
  const servers = await Promise.all(
    urls.map((url, i) =>
      startServer({
        name: `m${i}`,
        dataDir: join(dir, `m${i}`),
        listenPeerUrls: [url],
        initialAdvertisePeerUrls: [url],
        initialCluster,
        listenClientUrls: ['http://127.0.0.1:0'],
        advertiseClientUrls: ['http://127.0.0.1:0'],
      }),
    ),
  );
  await Promise.all(servers.map((s) => s.ready));
  return servers;
}

async function measure(members: number, callers: number, walCeiling: number): Promise<void> {
  const servers = await startMembers(members);
  const leader = servers.find((s) => s.isLeader()) ?? servers[0];
  if (leader === undefined) throw new Error('no member started');
  const r = await runClosedLoop({ concurrency: callers, durationMs }, (i) =>
    leader.kv.put({ key: Buffer.from(`key-${i % 10_000}`), value }),
  );
  if (r.errors > 0) throw new Error(`${r.errors} puts failed: ${String(r.firstError)}`);
  const cond = `members=${members} callers=${callers}`;
  const baseline = `raft-wal durable entries/s at ${callers} per save`;
  reportFigure({ bench, metric: `puts/s ${cond}`, value: r.opsPerSec, unit: 'puts/s', baseline, baselineValue: walCeiling });
  for (const [name, us] of [['p50', r.latencyUs.p50], ['p99', r.latencyUs.p99]] as const) {
    reportFigure({ bench, metric: `put ${name} latency ${cond}`, value: us / 1000, unit: 'ms', baseline: `one raft-wal save at ${callers} per save`, baselineValue: (callers / walCeiling) * 1000 });
  }
  await Promise.all(servers.map((s) => s.close({ skipLeaderTransfer: true })));
}

try {
  for (const callers of [1, 16, 256]) {
    const ceiling = await walEntriesPerSec(callers);
    for (const members of [1, 3]) await measure(members, callers, ceiling);
  }
} finally {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
