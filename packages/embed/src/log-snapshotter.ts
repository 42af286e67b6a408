// Raft snapshots and log compaction (etcd's triggerSnapshot). A Raft snapshot here is metadata
// only: the index, its term and the ConfState there; the data is the kv-mvcc store itself
// (DESIGN.md "Storage"), so recording one copies nothing. The WAL keeps `snapshotCatchUpEntries`
// entries behind it for followers that are a little behind; one further behind gets the store
// streamed (snapshot-sender.ts).
import type { MvccStore } from '@keel/kv-mvcc';
import type { ConfState } from '@keel/raft-core';
import type { RaftLog } from '@keel/raft-wal';
import { assert } from './assert.js';
import type { Logger, ResolvedConfig } from './config.js';
import type { ServerMetrics } from './metrics.js';

const noData = new Uint8Array(0);

/** Decides when to record a snapshot and compact the log, and does both in one WAL write. */
export class LogSnapshotter {
  constructor(
    private readonly o: {
      readonly log: RaftLog;
      readonly kv: MvccStore;
      /** `snapshotCount`: applied entries between snapshots (etcd's --snapshot-count);
       * `snapshotCatchUpEntries`: entries kept behind one (etcd's --snapshot-catchup-entries). */
      readonly config: Pick<ResolvedConfig, 'snapshotCount' | 'snapshotCatchUpEntries'>;
      readonly metrics: ServerMetrics;
      readonly logger: Logger;
    },
  ) {}

  /** True when more than `snapshotCount` entries were applied since the WAL's last snapshot. */
  isDue(applied: number): boolean {
    return applied - this.o.log.snapshot().metadata.index > this.o.config.snapshotCount;
  }

  /**
   * Records a snapshot at `applied` with `confState` (the configuration after applying it) and
   * drops the log up to `catchUpEntries` entries behind it; resolves once both are durable.
   * Safety: the store commits without waiting for its flush (the driver's step 3), so after a
   * machine crash it may reopen behind its last commit, though never behind its `durableIndex`;
   * the entries after the store's consistent index are then replayed from the log. The log
   * therefore keeps every entry above the store's durable index: the store is flushed first, and
   * only then is the snapshot recorded (a start replays the log after the snapshot's index) and
   * the log cut. The store's consistent index is past `applied` only after installing a
   * leader's snapshot whose store was ahead of its Raft index.
   */
  async snapshot(applied: number, confState: ConfState): Promise<void> {
    const { log, kv } = this.o;
    const index = applied;
    assert(kv.consistentIndex >= index, 'the store holds every entry the snapshot covers');
    await kv.flush();
    assert(kv.durableIndex >= index, 'the store is durable through the snapshot index');
    const compactIndex = index - this.o.config.snapshotCatchUpEntries;
    // One after the other: the log is never cut past a snapshot that is not yet durable.
    await log.createSnapshot({ index, confState, data: noData });
    if (compactIndex >= log.firstIndex()) await log.compactLog(compactIndex);
    this.o.metrics.snapshotsSaved.inc();
    this.o.logger.info(
      { index, firstIndex: log.firstIndex(), lastIndex: log.lastIndex() },
      'saved a raft snapshot and compacted the log',
    );
  }
}
