// raft-wal's benchmark: durable appends of 256-byte entries (1, 64 and 1024 per save, and 16
// concurrent single-entry savers), beside raw LMDB transactionSync writing the same record bytes
// under the same keys in the same run; then entries(lo, hi) latency from the cache and from
// disk beside a raw LMDB range read of the same records. Each scenario runs BENCH_REPEATS times
// (default 3), alternating with its baseline, and the median is reported as a JSON line.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { median, reportFigure, runClosedLoop, summarize } from '@keel/bench-kit';
import type { Entry } from '@keel/raft-core';
import { open } from 'lmdb';
import { RaftLog } from '../src/index.js';

const repeats = Number(process.env['BENCH_REPEATS'] ?? '3');
const durationMs = Number(process.env['BENCH_MS'] ?? '2000');
const dataBytes = 256;
const recordBytes = 24 + dataBytes;
const bench = 'raft-wal/append';
const dirs: string[] = [];

function freshDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'keel-raft-wal-bench-'));
  dirs.push(d);
  return d;
}

function key(index: number): Buffer {
  const k = Buffer.alloc(8);
  k.writeUInt32BE(Math.floor(index / 0x1_0000_0000), 0);
  k.writeUInt32BE(index >>> 0, 4);
  return k;
}

const payload = new Uint8Array(dataBytes).fill(0x5a);
function batchOf(lo: number, count: number): Entry[] {
  const out: Entry[] = [];
  for (let i = 0; i < count; i++)
    out.push({ index: lo + i, term: 1, type: 'EntryNormal', data: payload });
  return out;
}

/** Saves per run: enough for about a second on a fast disk; the run also stops at durationMs. */
function savesFor(batch: number): number {
  return batch === 1 ? 2000 : batch === 64 ? 400 : 60;
}

/** The batches of one run, built before timing starts: building entries is the caller's work. */
function batchesFor(batch: number): Entry[][] {
  return Array.from({ length: savesFor(batch) }, (_, i) => batchOf(1 + i * batch, batch));
}

/** Raw LMDB: one transactionSync per batch, writing each entry as a record of the same size. */
async function rawAppend(batches: readonly Entry[][]): Promise<number> {
  const root = open<Buffer, Buffer>({
    path: join(freshDir(), 'raw.mdb'),
    noSubdir: true,
    maxDbs: 4,
    overlappingSync: false,
    noSync: false,
    encoding: 'binary',
    keyEncoding: 'binary',
    useVersions: false,
    cache: false,
  });
  const db = root.openDB<Buffer, Buffer>('entries', { encoding: 'binary', keyEncoding: 'binary' });
  const value = Buffer.alloc(recordBytes, 0x5a);
  const r = await runClosedLoop({ concurrency: 1, durationMs, opsMax: batches.length }, (i) => {
    root.transactionSync(() => {
      for (const e of batches[i]!) db.putSync(key(e.index), value);
    });
    return Promise.resolve();
  });
  await root.close();
  return r.opsPerSec * batches[0]!.length;
}

async function walAppend(batches: readonly Entry[][], concurrency: number): Promise<number> {
  const log = RaftLog.open({ dir: freshDir() });
  const r = await runClosedLoop({ concurrency, durationMs, opsMax: batches.length }, (i) =>
    log.save({ entries: batches[i]! }),
  );
  if (r.errors > 0) throw new Error(`save failed: ${String(r.firstError)}`);
  await log.close();
  return r.opsPerSec * batches[0]!.length;
}

async function appendFigures(): Promise<number> {
  let single = 0;
  for (const batch of [1, 64, 1024]) {
    const raw: number[] = [];
    const wal: number[] = [];
    const batches = batchesFor(batch);
    for (let k = 0; k < repeats; k++) {
      raw.push(await rawAppend(batches));
      wal.push(await walAppend(batches, 1));
    }
    if (batch === 1) single = median(wal);
    reportFigure({
      bench,
      metric: `entries/s batch=${String(batch)}`,
      value: median(wal),
      unit: 'entries/s',
      baseline: 'raw lmdb transactionSync',
      baselineValue: median(raw),
    });
  }
  const concurrent: number[] = [];
  const singles = batchesFor(1);
  for (let k = 0; k < repeats; k++) concurrent.push(await walAppend(singles, 16));
  reportFigure({
    bench,
    metric: 'entries/s 16 concurrent savers batch=1',
    value: median(concurrent),
    unit: 'entries/s',
    baseline: 'raft-wal single saver batch=1',
    baselineValue: single,
  });
  return single;
}

/** Median microseconds per call of `f` over `calls` calls. */
function latencyUs(calls: number, f: (i: number) => unknown): number {
  const samples: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    f(i);
    samples.push((performance.now() - t0) * 1000);
  }
  return summarize(samples).p50;
}

async function readFigures(): Promise<void> {
  const dir = freshDir();
  const count = 20_000;
  const span = 64;
  const writer = RaftLog.open({ dir });
  for (let lo = 1; lo <= count; lo += 1000) await writer.save({ entries: batchOf(lo, 1000) });
  await writer.close();
  const cached = RaftLog.open({ dir, cacheBytesMax: 64 * 1024 * 1024 });
  const uncached = RaftLog.open({ dir, cacheBytesMax: 0 });
  const root = open<Buffer, Buffer>({
    path: join(freshDir(), 'raw.mdb'),
    noSubdir: true,
    maxDbs: 4,
    overlappingSync: false,
    noSync: true,
    encoding: 'binary',
    keyEncoding: 'binary',
    useVersions: false,
    cache: false,
  });
  const db = root.openDB<Buffer, Buffer>('entries', { encoding: 'binary', keyEncoding: 'binary' });
  root.transactionSync(() => {
    for (let i = 1; i <= count; i++) db.putSync(key(i), Buffer.alloc(recordBytes, 0x5a));
  });
  const lo = (i: number): number => 1 + ((i * 7919) % (count - span));
  const rawRead = (i: number): unknown => [
    ...db.getRange({ start: key(lo(i)), end: key(lo(i) + span) }),
  ];
  const calls = 5_000;
  for (const [name, log] of [
    ['cache', cached],
    ['disk', uncached],
  ] as const) {
    const wal: number[] = [];
    const raw: number[] = [];
    for (let k = 0; k < repeats; k++) {
      wal.push(latencyUs(calls, (i) => log.entries(lo(i), lo(i) + span, Infinity)));
      raw.push(latencyUs(calls, rawRead));
    }
    reportFigure({
      bench: 'raft-wal/entries',
      metric: `entries(lo, lo+${String(span)}) p50 from ${name}`,
      value: median(wal),
      unit: 'us',
      baseline: `raw lmdb getRange of ${String(span)} records`,
      baselineValue: median(raw),
    });
  }
  await Promise.all([cached.close(), uncached.close(), root.close()]);
}

try {
  await appendFigures();
  await readFigures();
} finally {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
