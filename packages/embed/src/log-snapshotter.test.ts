// Goal: the snapshotter records a Raft snapshot and cuts the log only once the store is durable
// through the snapshot's index (the store commits without waiting for its flush, and a start
// replays the log after the snapshot's index). Method: a real store and a real Raft log in a
// temporary directory. A reopened store knows nothing durable yet (durableIndex 0), so a
// snapshot right after the reopen must flush it first; without that flush the snapshotter's
// assertion fails. The WAL's state after a reopen shows what was recorded.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MvccStore } from '@keel/kv-mvcc';
import type { ConfState, Entry } from '@keel/raft-core';
import { RaftLog } from '@keel/raft-wal';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LogSnapshotter } from './log-snapshotter.js';
import { silentLogger } from './logger.js';
import { ServerMetrics } from './metrics.js';

const confState: ConfState = {
  voters: [1],
  learners: [],
  votersOutgoing: [],
  learnersNext: [],
  autoLeave: false,
};
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'keel-snapshotter-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const openStore = (): MvccStore => MvccStore.open({ path: join(dir, 'kv') });
const entries = (lo: number, hi: number): Entry[] =>
  Array.from({ length: hi - lo }, (_, i) => ({
    term: 1,
    index: lo + i,
    type: 'EntryNormal' as const,
    data: new Uint8Array(0),
  }));

describe('LogSnapshotter', () => {
  it('flushes the store before recording a snapshot and compacting the log', async () => {
    const log = RaftLog.open({ dir: join(dir, 'wal') });
    await log.save({ entries: entries(1, 41), hardState: { term: 1, vote: 1, commit: 40 } });
    let kv = openStore();
    for (let i = 1; i <= 40; i += 10) {
      const batch = Array.from({ length: 10 }, (_, j) => ({
        index: i + j,
        request: { put: { key: Buffer.from(`k${String(i + j)}`), value: Buffer.from('v') } },
      }));
      await kv.applyAsync(batch);
    }
    await kv.close();
    kv = openStore();
    expect(kv.consistentIndex).toBe(40);
    expect(kv.durableIndex).toBe(0); // nothing is known flushed right after a reopen
    const config = { snapshotCount: 10, snapshotCatchUpEntries: 5 };
    const metrics = new ServerMetrics();
    const s = new LogSnapshotter({ log, kv, config, metrics, logger: silentLogger });
    expect(s.isDue(40)).toBe(true);
    await s.snapshot(40, confState);
    expect(kv.durableIndex).toBeGreaterThanOrEqual(40);
    await kv.close();
    await log.close();
    const reopened = RaftLog.open({ dir: join(dir, 'wal') });
    expect(reopened.snapshot().metadata.index).toBe(40);
    expect(reopened.firstIndex()).toBe(36);
    await reopened.close();
  });
});
