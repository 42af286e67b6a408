// The leader's schedule of lease checkpoints, as etcd's lessor keeps it when checkpoints are on:
// a lease whose remaining TTL (its checkpoint, else its granted TTL) is longer than the interval
// is due for a checkpoint one interval after it was granted, after this member became leader,
// and after each of its checkpoints was applied. A due lease is checkpointed with its remaining
// TTL in whole seconds rounded up, unless it is gone, already past its deadline, or has its whole
// TTL left (renewed within the last second). Worked example, interval 60 s, a 200 s lease granted
// at 0: due at 60, checkpointed 140; due at 120, checkpointed 80; due at 180, checkpointed 20,
// which is not above 60, so nothing more is scheduled and a new leader would expire it 20 s (plus
// an election timeout) after taking over.
import type { LeaseCheckpoint } from '@keel/kv-mvcc';
import { assert } from './assert.js';

/** What the schedule reads of a lease when it comes due. */
export interface CheckpointedLease {
  /** The leader's deadline for it, on the clock's scale. */
  readonly deadlineMs: number;
  /** Its granted TTL, in seconds. */
  readonly grantedTtl: number;
}

/** Lease ID -> when its next checkpoint is due; only meaningful while leading. */
export class LeaseCheckpointSchedule {
  readonly #intervalMs: number;
  readonly #due = new Map<number, number>();

  /** `intervalMs`: time between two checkpoints of one lease (etcd's checkpointInterval). */
  constructor(intervalMs: number) {
    assert(Number.isSafeInteger(intervalMs) && intervalMs > 0, 'checkpoint interval > 0');
    this.#intervalMs = intervalMs;
  }

  /** Forgets every scheduled checkpoint (leadership starts or ends). */
  clear(): void {
    this.#due.clear();
  }

  /**
   * Schedules lease `id`'s next checkpoint one interval after `nowMs` when `remainingTtl` (its
   * checkpoint, or its granted TTL when it has none; seconds) is longer than the interval in
   * whole seconds, as etcd's scheduleCheckpointIfNeeded. An earlier due time is kept.
   */
  schedule(id: number, remainingTtl: number, nowMs: number): void {
    if (remainingTtl <= Math.floor(this.#intervalMs / 1000)) return;
    const due = nowMs + this.#intervalMs;
    this.#due.set(id, Math.min(this.#due.get(id) ?? due, due));
  }

  /**
   * Takes the checkpoints due at `nowMs`, earliest first, in batches of at most `perBatch`, at
   * most `batchesMax` batches (etcd's findDueScheduledCheckpoints). Every due lease leaves the
   * schedule; one that `lookup` does not know, that is past its deadline or that has its whole
   * TTL left is not checkpointed.
   */
  takeDue(
    nowMs: number,
    lookup: (id: number) => CheckpointedLease | undefined,
    limits: { readonly perBatch: number; readonly batchesMax: number },
  ): LeaseCheckpoint[][] {
    const due = [...this.#due].filter(([, at]) => at <= nowMs).sort((a, b) => a[1] - b[1]);
    const batches: LeaseCheckpoint[][] = [];
    let batch: LeaseCheckpoint[] = [];
    for (const [id] of due) {
      if (batches.length >= limits.batchesMax) break;
      this.#due.delete(id);
      const lease = lookup(id);
      if (lease === undefined || lease.deadlineMs <= nowMs) continue;
      const remainingTTL = Math.ceil((lease.deadlineMs - nowMs) / 1000);
      if (remainingTTL >= lease.grantedTtl) continue;
      batch.push({ ID: id, remainingTTL });
      if (batch.length < limits.perBatch) continue;
      batches.push(batch);
      batch = [];
    }
    if (batch.length > 0) batches.push(batch);
    return batches;
  }
}
