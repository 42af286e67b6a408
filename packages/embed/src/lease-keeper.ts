// Lease expiry, as etcd's lessor does it: only the leader keeps lease deadlines, and an expired
// lease is revoked by proposing LeaseRevoke through the log, so every member deletes the
// attached keys at the same index. A member that becomes leader gives every lease its TTL again
// plus one election timeout (etcd's Promote(electionTimeout)), since it cannot know how long the
// previous leader had counted: the TTL is the last checkpointed remaining TTL when the store has
// one, else the granted TTL.
// With lease checkpoints on (off by default, as in etcd), the leader also proposes LeaseCheckpoint
// requests carrying the remaining TTLs (lease-checkpoints.ts holds the schedule), and a renewal of
// a lease that has a checkpoint clears it through the log before it answers, so a later leader
// does not expire a renewed lease early from an old checkpoint (etcd's Renew).
import {
  MvccError,
  type ApplyRequest,
  type ApplyResult,
  type LeaseCheckpoint,
  type MvccStore,
} from '@keel/kv-mvcc';
import type { Cancel, Clock } from './clock.js';
import type { Logger } from './config.js';
import { EmbedError } from './errors.js';
import type { Leadership } from './leadership.js';
import { LeaseCheckpointSchedule } from './lease-checkpoints.js';
import {
  leaseCheckIntervalMs,
  leaseCheckpointRequestsPerCheckMax,
  leaseCheckpointsPerRequestMax,
  leaseRevokesPerCheckMax,
} from './limits.js';

/** What the keeper needs from the server. */
export interface LeaseKeeperHost {
  readonly store: MvccStore;
  readonly clock: Clock;
  readonly leadership: Leadership;
  readonly logger: Logger;
  /** What a new leader adds to every lease's TTL (etcd extends by the election timeout). */
  readonly promoteExtendMs: number;
  /** Time between two checkpoints of a lease, in ms; undefined: lease checkpoints are off. */
  readonly checkpointIntervalMs: number | undefined;
  propose(request: ApplyRequest): Promise<ApplyResult>;
}

/**
 * Keeps lease deadlines while this member leads. The deadline table is rebuilt from the store on
 * every check, so leases granted through any member are picked up without a hook in apply.
 */
export class LeaseKeeper {
  readonly #h: LeaseKeeperHost;
  /** Lease ID -> deadline on the clock's scale; only meaningful while leading. */
  readonly #deadlines = new Map<number, number>();
  readonly #revoking = new Set<number>();
  /** The leader's checkpoint schedule; undefined when lease checkpoints are off. */
  readonly #checkpoints: LeaseCheckpointSchedule | undefined;
  readonly #stop = new AbortController();
  #done: Promise<void> | undefined;

  constructor(host: LeaseKeeperHost) {
    this.#h = host;
    const interval = host.checkpointIntervalMs;
    this.#checkpoints = interval === undefined ? undefined : new LeaseCheckpointSchedule(interval);
  }

  /** Starts following leadership; `close` stops it. */
  start(): void {
    this.#done = this.#h.leadership
      .runWhileLeader((signal) => this.#lead(signal), { signal: this.#stop.signal })
      .catch((e: unknown) => {
        this.#h.logger.error({ err: String(e) }, 'lease expiry stopped');
      });
  }

  #lead(signal: AbortSignal): Promise<void> {
    this.#deadlines.clear();
    this.#revoking.clear();
    this.#checkpoints?.clear();
    this.#promote();
    this.#check();
    return new Promise((resolve) => {
      const cancel: Cancel = this.#h.clock.every(leaseCheckIntervalMs, () => {
        this.#check();
      });
      signal.addEventListener('abort', () => {
        cancel();
        resolve();
      });
    });
  }

  /** Gives every lease its TTL again, plus the extension, from now (etcd's Promote). */
  #promote(): void {
    const now = this.#h.clock.nowMs();
    const store = this.#h.store;
    for (const { ID } of store.leaseLeases().leases) {
      const ttl = store.leaseTimeToLive({ ID }).TTL;
      this.#deadlines.set(ID, now + this.#h.promoteExtendMs + ttl * 1000);
      this.#checkpoints?.schedule(ID, ttl, now);
    }
  }

  /** Picks up new leases, forgets revoked ones, and proposes revokes for expired ones. */
  #check(): void {
    const now = this.#h.clock.nowMs();
    const store = this.#h.store;
    const live = new Set(store.leaseLeases().leases.map((l) => l.ID));
    for (const id of this.#deadlines.keys()) if (!live.has(id)) this.#deadlines.delete(id);
    let revokes = 0;
    for (const id of live) {
      const deadline = this.#deadlines.get(id);
      if (deadline === undefined) {
        this.noteGrant(id, store.leaseTimeToLive({ ID: id }).grantedTTL);
        continue;
      }
      if (deadline > now || this.#revoking.has(id) || revokes >= leaseRevokesPerCheckMax) continue;
      revokes += 1;
      this.#revoke(id);
    }
    this.#checkpointDue(now);
  }

  /** Proposes the checkpoints due now (etcd's checkpointScheduledLeases). */
  #checkpointDue(now: number): void {
    const schedule = this.#checkpoints;
    if (schedule === undefined) return;
    const lookup = (id: number) => {
      const deadlineMs = this.#deadlines.get(id);
      if (deadlineMs === undefined) return undefined;
      return { deadlineMs, grantedTtl: this.#h.store.leaseTimeToLive({ ID: id }).grantedTTL };
    };
    const batches = schedule.takeDue(now, lookup, {
      perBatch: leaseCheckpointsPerRequestMax,
      batchesMax: leaseCheckpointRequestsPerCheckMax,
    });
    for (const checkpoints of batches) this.#proposeCheckpoints(schedule, checkpoints);
  }

  #proposeCheckpoints(schedule: LeaseCheckpointSchedule, checkpoints: LeaseCheckpoint[]): void {
    // Its outcome needs no caller: once applied, each lease is scheduled again (etcd does so when
    // it applies a checkpoint on the leader); a failed one (leadership lost, timeout) is only
    // logged, and the next leader schedules every lease when it takes over.
    this.#h
      .propose({ leaseCheckpoint: { checkpoints } })
      .then(() => {
        if (!this.#h.leadership.isLeader()) return;
        const now = this.#h.clock.nowMs();
        for (const cp of checkpoints) schedule.schedule(cp.ID, cp.remainingTTL, now);
      })
      .catch((e: unknown) => {
        this.#h.logger.warn(
          { leases: checkpoints.length, err: String(e) },
          'lease checkpoint failed; the next leader schedules them again',
        );
      });
  }

  #revoke(id: number): void {
    this.#revoking.add(id);
    // Its outcome needs no caller: a failed revoke (leadership lost, timeout) is retried at the
    // next check while this member still leads, so the rejection is only logged.
    this.#h
      .propose({ leaseRevoke: { ID: id } })
      .catch((e: unknown) => {
        this.#h.logger.warn({ lease: id, err: String(e) }, 'lease revoke failed; will retry');
      })
      .finally(() => this.#revoking.delete(id));
  }

  /**
   * Restarts lease `id`'s TTL on the leader (etcd's LeaseKeepAlive). A lease whose deadline has
   * passed is gone, though its revoke may not be applied yet: as etcd's leader, which waits for
   * that revoke, it answers LEASE_NOT_FOUND. With checkpoints on, a lease that has a checkpoint
   * has it cleared through the log first (a checkpoint of 0), as etcd's Renew.
   * @throws EmbedError NOT_LEADER off the leader (followers forward, lease-forwarder.ts), or when
   * leadership moved while the checkpoint was cleared; MvccError LEASE_NOT_FOUND; the clearing
   * proposal's errors (TIMEOUT...).
   */
  async keepAlive(id: number): Promise<{ ID: number; TTL: number }> {
    const notLeader = () =>
      new EmbedError({ code: 'NOT_LEADER', message: 'lease keep-alive must reach the leader' });
    if (!this.#h.leadership.isLeader()) throw notLeader();
    const now = this.#h.clock.nowMs();
    const deadline = this.#deadlines.get(id);
    if (deadline !== undefined && deadline <= now) {
      throw new MvccError({ code: 'LEASE_NOT_FOUND', message: 'requested lease not found' });
    }
    const res = this.#h.store.leaseKeepAlive({ ID: id });
    // The deadline moves before the clearing proposal, so a checkpoint taken meanwhile sees the
    // whole TTL left and is skipped rather than recording the old remaining TTL after the clear.
    this.#deadlines.set(id, now + res.TTL * 1000);
    const ttl = this.#h.store.leaseTimeToLive({ ID: id });
    if (this.#checkpoints !== undefined && ttl.TTL !== ttl.grantedTTL) {
      await this.#h.propose({ leaseCheckpoint: { checkpoints: [{ ID: id, remainingTTL: 0 }] } });
      if (!this.#h.leadership.isLeader()) throw notLeader();
      this.#checkpoints.schedule(id, ttl.grantedTTL, this.#h.clock.nowMs());
    }
    return { ID: id, TTL: res.TTL };
  }

  /** Starts lease `id`'s deadline now on the leader, once its grant has been applied. */
  noteGrant(id: number, ttlSeconds: number): void {
    if (!this.#h.leadership.isLeader()) return;
    const now = this.#h.clock.nowMs();
    this.#deadlines.set(id, now + ttlSeconds * 1000);
    this.#checkpoints?.schedule(id, ttlSeconds, now);
  }

  /**
   * Whole seconds left of lease `id` as this member knows them (the leader's deadline when
   * leading), rounded down as etcd reports `Remaining().Seconds()`.
   */
  remainingSeconds(id: number, fallback: number): number {
    const deadline = this.#deadlines.get(id);
    if (deadline === undefined || !this.#h.leadership.isLeader()) return fallback;
    return Math.max(0, Math.floor((deadline - this.#h.clock.nowMs()) / 1000));
  }

  /** Stops keeping deadlines. Idempotent. */
  async close(): Promise<void> {
    this.#stop.abort();
    await this.#done;
  }
}
