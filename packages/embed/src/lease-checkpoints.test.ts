// Goal: the leader's checkpoint schedule follows etcd's lessor: which leases are scheduled, when
// they come due, what a due lease is checkpointed with and which are skipped, in what order and
// in what batches. Method: the schedule alone, on plain millisecond numbers.
import { describe, expect, it } from 'vitest';
import { LeaseCheckpointSchedule, type CheckpointedLease } from './lease-checkpoints.js';

const limits = { perBatch: 1000, batchesMax: 500 };

/** Leases by ID: deadline and granted TTL. */
const table =
  (leases: Record<number, CheckpointedLease>) =>
  (id: number): CheckpointedLease | undefined =>
    leases[id];

describe('LeaseCheckpointSchedule', () => {
  it('schedules only a lease with more than the interval left, one interval later', () => {
    const s = new LeaseCheckpointSchedule(60_000);
    s.schedule(1, 200, 0);
    s.schedule(2, 60, 0); // not above the interval's 60 s
    const leases = table({
      1: { deadlineMs: 200_000, grantedTtl: 200 },
      2: { deadlineMs: 60_000, grantedTtl: 60 },
    });
    expect(s.takeDue(59_999, leases, limits)).toEqual([]);
    expect(s.takeDue(60_000, leases, limits)).toEqual([[{ ID: 1, remainingTTL: 140 }]]);
    // Taken: nothing is due again until it is scheduled again (when its checkpoint applies).
    expect(s.takeDue(200_000, leases, limits)).toEqual([]);
  });

  it('follows the worked example down to a remaining TTL below the interval', () => {
    const s = new LeaseCheckpointSchedule(60_000);
    const leases = table({ 1: { deadlineMs: 200_000, grantedTtl: 200 } });
    s.schedule(1, 200, 0);
    const seen: number[] = [];
    for (let now = 0; now <= 200_000; now += 500) {
      for (const batch of s.takeDue(now, leases, limits)) {
        for (const cp of batch) {
          seen.push(cp.remainingTTL);
          s.schedule(cp.ID, cp.remainingTTL, now); // as the leader does once it is applied
        }
      }
    }
    expect(seen).toEqual([140, 80, 20]);
  });

  it('rounds the remaining TTL up and skips leases gone, expired or with their whole TTL', () => {
    const s = new LeaseCheckpointSchedule(1000);
    for (const id of [1, 2, 3, 4]) s.schedule(id, 30, 0);
    const leases = table({
      1: { deadlineMs: 10_500, grantedTtl: 30 }, // 9.5 s left: 10
      2: { deadlineMs: 1000, grantedTtl: 30 }, // past its deadline
      3: { deadlineMs: 30_600, grantedTtl: 30 }, // renewed: 29.6 s left rounds up to 30
    });
    expect(s.takeDue(1000, leases, limits)).toEqual([[{ ID: 1, remainingTTL: 10 }]]);
  });

  it('keeps the earlier due time when scheduled twice', () => {
    const s = new LeaseCheckpointSchedule(1000);
    s.schedule(1, 30, 0);
    s.schedule(1, 30, 5000);
    const leases = table({ 1: { deadlineMs: 30_000, grantedTtl: 30 } });
    expect(s.takeDue(1000, leases, limits)).toEqual([[{ ID: 1, remainingTTL: 29 }]]);
  });

  it('takes the earliest first, in batches, and leaves what is past the batch limit', () => {
    const s = new LeaseCheckpointSchedule(1000);
    const leases: Record<number, CheckpointedLease> = {};
    for (let id = 1; id <= 7; id++) {
      s.schedule(id, 30, 100 * (8 - id)); // lease 7 is due first
      leases[id] = { deadlineMs: 20_000, grantedTtl: 30 };
    }
    const ids = (batches: { ID: number }[][]) => batches.map((b) => b.map((cp) => cp.ID));
    const first = s.takeDue(5000, table(leases), { perBatch: 3, batchesMax: 2 });
    expect(ids(first)).toEqual([
      [7, 6, 5],
      [4, 3, 2],
    ]);
    expect(ids(s.takeDue(5000, table(leases), { perBatch: 3, batchesMax: 2 }))).toEqual([[1]]);
  });

  it('forgets everything on clear', () => {
    const s = new LeaseCheckpointSchedule(1000);
    s.schedule(1, 30, 0);
    s.clear();
    expect(s.takeDue(5000, table({ 1: { deadlineMs: 20_000, grantedTtl: 30 } }), limits)).toEqual(
      [],
    );
  });
});
