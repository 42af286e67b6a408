// A leader's view of one follower (etcd's Progress): how much of the log it matches, what to send
// next, and the flow-control state (Raft thesis §3.5 and etcd's design of probe/replicate/snapshot).
import { assert } from '../assert.js';
import type { Inflights } from './inflights.js';

/** The replication state of a follower. */
export type ProgressState = 'StateProbe' | 'StateReplicate' | 'StateSnapshot';

/**
 * Probe: one append per heartbeat interval until the follower's log position is found.
 * Replicate: optimistic pipelining within the inflight window.
 * Snapshot: a snapshot is on its way; nothing else is sent until it is reported.
 *
 * Invariant: `match < next`.
 */
export class Progress {
  match = 0;
  next: number;
  state: ProgressState = 'StateProbe';
  /** In StateSnapshot, the index of the snapshot being sent. */
  pendingSnapshot = 0;
  /** Whether the follower was heard from since the last check-quorum round. */
  recentActive = false;
  /** In StateProbe: an append was sent this heartbeat interval. In StateReplicate: window full. */
  msgAppFlowPaused = false;
  isLearner: boolean;
  /** The highest commit index sent to this follower (in an append or heartbeat). */
  sentCommit = 0;

  constructor(opts: { next: number; inflights: Inflights; isLearner: boolean }) {
    this.next = opts.next;
    this.inflights = opts.inflights;
    this.isLearner = opts.isLearner;
  }

  readonly inflights: Inflights;

  /** A copy that shares the inflights window (the old object is discarded by its user). */
  clone(): Progress {
    const c = new Progress({
      next: this.next,
      inflights: this.inflights,
      isLearner: this.isLearner,
    });
    c.match = this.match;
    c.state = this.state;
    c.pendingSnapshot = this.pendingSnapshot;
    c.recentActive = this.recentActive;
    c.msgAppFlowPaused = this.msgAppFlowPaused;
    c.sentCommit = this.sentCommit;
    return c;
  }

  private resetState(state: ProgressState): void {
    this.msgAppFlowPaused = false;
    this.pendingSnapshot = 0;
    this.state = state;
    this.inflights.reset();
  }

  /** Back to probing from just past the match (or after the snapshot just sent). */
  becomeProbe(): void {
    if (this.state === 'StateSnapshot') {
      const pending = this.pendingSnapshot;
      this.resetState('StateProbe');
      this.next = Math.max(this.match + 1, pending + 1);
    } else {
      this.resetState('StateProbe');
      this.next = this.match + 1;
    }
  }

  /** Start pipelining from just past the match. */
  becomeReplicate(): void {
    this.resetState('StateReplicate');
    this.next = this.match + 1;
  }

  /** A snapshot at `snapshotIndex` is being sent. */
  becomeSnapshot(snapshotIndex: number): void {
    this.resetState('StateSnapshot');
    this.pendingSnapshot = snapshotIndex;
  }

  /** Accounts for an append of `count` entries and `sizeBytes` sent from `next`. */
  updateOnEntriesSend(opts: { count: number; sizeBytes: number }): void {
    if (this.state === 'StateReplicate') {
      if (opts.count > 0) {
        const last = this.next + opts.count - 1;
        this.next = last + 1;
        this.inflights.add(last, opts.sizeBytes);
      }
      this.msgAppFlowPaused = this.inflights.full();
    } else if (this.state === 'StateProbe') {
      // One message per heartbeat interval while probing; heartbeats unpause it.
      this.msgAppFlowPaused = true;
    } else {
      assert(false, `sending entries in ${this.state}`);
    }
  }

  /**
   * Whether sending commit `index` may advance the follower's commit: we have not sent it yet,
   * and the follower may hold entries beyond what we sent as committed.
   */
  canBumpCommit(index: number): boolean {
    return index > this.sentCommit && this.sentCommit < this.next - 1;
  }

  /** Records that commit `index` was sent. */
  updateSentCommit(index: number): void {
    this.sentCommit = Math.max(this.sentCommit, index);
  }

  /** Raises the match to `index` when it is newer; returns whether it changed. */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (this.match < index) {
      this.match = index;
      updated = true;
      this.msgAppFlowPaused = false;
    }
    this.next = Math.max(this.next, index + 1);
    return updated;
  }

  /**
   * Handles a rejected append of the entry after `rejected`, with the follower's hint of where
   * to retry (`matchHint`). Returns false for a stale rejection.
   */
  maybeDecrTo(opts: { rejected: number; matchHint: number }): boolean {
    const { rejected, matchHint } = opts;
    if (this.state === 'StateReplicate') {
      // Rejections of indexes at or below the match are stale once we are pipelining.
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      this.sentCommit = Math.min(this.sentCommit, this.next - 1);
      return true;
    }
    // In probe the rejection must be about the one append we sent: next - 1.
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    // A commit index past the new probe point may not have reached a log that holds it.
    this.sentCommit = Math.min(this.sentCommit, this.next - 1);
    this.msgAppFlowPaused = false;
    return true;
  }

  /** Whether sending appends to this follower is paused. */
  isPaused(): boolean {
    switch (this.state) {
      case 'StateProbe':
      case 'StateReplicate':
        return this.msgAppFlowPaused;
      case 'StateSnapshot':
        return true;
    }
  }

  /** `StateReplicate match=3 next=4 ...`, for transcripts. */
  describe(): string {
    let s = `${this.state} match=${String(this.match)} next=${String(this.next)}`;
    if (this.isLearner) s += ' learner';
    if (this.isPaused()) s += ' paused';
    if (this.pendingSnapshot > 0) s += ` pendingSnap=${String(this.pendingSnapshot)}`;
    if (!this.recentActive) s += ' inactive';
    if (this.inflights.count() > 0) s += ` inflight=${String(this.inflights.count())}`;
    return s;
  }
}
