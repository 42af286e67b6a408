// The working state of one group-commit batch. Each queued write is applied to it in order,
// with the same rules and errors as raft-core's MemoryStorage, before anything touches LMDB;
// the batch is then written in one transaction as the difference between the durable state and
// this working state. A write that fails its checks leaves the working state as it was, so only
// that write is rejected and the others in the batch go ahead.
import { StorageError } from '@keel/raft-core';
import type { ConfState, Entry, HardState, Snapshot } from '@keel/raft-core';
import { assert } from './assert.js';
import type { LogStart } from './meta-record.js';

/** What the log holds durably (or will, once a batch is written). */
export interface LogState {
  /** The last compacted entry: `start.index + 1` is the first index available. */
  readonly start: LogStart;
  /** Invariant: `lastIndex >= start.index`. */
  readonly lastIndex: number;
  readonly hardState: HardState;
  readonly snapshot: Snapshot;
}

/** What one `save` call persists, in this order: snapshot, entries, HardState. */
export interface SaveRequest {
  readonly entries?: readonly Entry[];
  readonly hardState?: HardState;
  readonly snapshot?: Snapshot;
}

/** Arguments of `createSnapshot`. */
export interface CreateSnapshotRequest {
  /** The applied index the snapshot is taken at; it must be in the log. */
  readonly index: number;
  /** The configuration at `index`; the previous snapshot's when absent. */
  readonly confState?: ConfState;
  readonly data: Uint8Array;
}

/** One queued write. */
export type WalOp =
  | { readonly kind: 'save'; readonly request: SaveRequest }
  | { readonly kind: 'createSnapshot'; readonly request: CreateSnapshotRequest }
  | { readonly kind: 'compact'; readonly index: number };

const noEntries: readonly Entry[] = [];

/** A batch's working state over the durable state; see the file comment. */
export class LogPlan {
  /** The working log start; see `LogState.start`. */
  start: LogStart;
  /** The working last index. Invariant: `lastIndex >= start.index`. */
  lastIndex: number;
  /** The working HardState. */
  hardState: HardState;
  /** The working snapshot. */
  snapshot: Snapshot;
  /**
   * Entries written by this batch: one contiguous run `[runLo, runLo + run.length)`.
   * Invariant: the run is empty, or it ends at `lastIndex` and starts after `start.index`
   * (an append truncates everything after its first entry, so what a batch wrote is always
   * one run up to the end of the log). Entries before the run are durable and unchanged.
   */
  run: Entry[] = [];
  /** The index of `run[0]`; 0 when the run is empty. */
  runLo = 0;
  /** Whether a write of this batch set the HardState (it is then stored). */
  hardStateChanged = false;
  /** Whether a write of this batch set the snapshot (it is then stored). */
  snapshotChanged = false;
  /** Whether a write of this batch moved the log start (the range record is then stored). */
  startChanged = false;

  constructor(
    durable: LogState,
    private readonly durableTerm: (index: number) => number,
  ) {
    this.start = durable.start;
    this.lastIndex = durable.lastIndex;
    this.hardState = durable.hardState;
    this.snapshot = durable.snapshot;
  }

  /** Applies `op`, returning its result (the snapshot for `createSnapshot`). */
  apply(op: WalOp): Snapshot | undefined {
    switch (op.kind) {
      case 'save':
        this.save(op.request);
        return undefined;
      case 'createSnapshot':
        return this.createSnapshot(op.request);
      case 'compact':
        this.compact(op.index);
        return undefined;
    }
  }

  /** The term at `index` in the working state, with MemoryStorage's errors. */
  term(index: number): number {
    if (index < this.start.index) throw new StorageError({ code: 'COMPACTED' });
    if (index > this.lastIndex) throw new StorageError({ code: 'UNAVAILABLE' });
    if (index === this.start.index) return this.start.term;
    const e = index >= this.runLo ? this.run[index - this.runLo] : undefined;
    return e === undefined ? this.durableTerm(index) : e.term;
  }

  private save(request: SaveRequest): void {
    const snap = request.snapshot;
    if (snap !== undefined && snap.metadata.index <= this.snapshot.metadata.index) {
      throw new StorageError({ code: 'SNAPSHOT_OUT_OF_DATE' });
    }
    const entries = request.entries ?? noEntries;
    // Check the append against the log as it will be after the snapshot, before changing
    // anything, so a refused save changes nothing.
    const startIndex = snap === undefined ? this.start.index : snap.metadata.index;
    const lastIndex = snap === undefined ? this.lastIndex : snap.metadata.index;
    const appendFrom = checkAppend(entries, startIndex, lastIndex);
    if (snap !== undefined) this.applySnapshot(snap);
    if (appendFrom >= 0) this.append(entries, appendFrom);
    if (request.hardState !== undefined) {
      this.hardState = request.hardState;
      this.hardStateChanged = true;
    }
  }

  private applySnapshot(snap: Snapshot): void {
    this.snapshot = snap;
    this.snapshotChanged = true;
    this.start = { index: snap.metadata.index, term: snap.metadata.term };
    this.startChanged = true;
    this.lastIndex = snap.metadata.index;
    this.run = [];
    this.runLo = 0;
  }

  private append(entries: readonly Entry[], from: number): void {
    const head = entries[from];
    assert(head !== undefined, 'append from past the end of entries');
    if (this.run.length === 0 || head.index < this.runLo) {
      this.run = [];
      this.runLo = head.index;
    } else {
      this.run.length = head.index - this.runLo;
    }
    for (let i = from; i < entries.length; i++) this.run.push(entries[i] as Entry);
    this.lastIndex = head.index + entries.length - from - 1;
    assert(this.runLo + this.run.length - 1 === this.lastIndex, 'the run must end at lastIndex');
  }

  private createSnapshot(request: CreateSnapshotRequest): Snapshot {
    if (request.index <= this.snapshot.metadata.index) {
      throw new StorageError({ code: 'SNAPSHOT_OUT_OF_DATE' });
    }
    assert(
      request.index <= this.lastIndex,
      `snapshot ${String(request.index)} is past the last index ${String(this.lastIndex)}`,
    );
    const term = this.term(request.index);
    const confState = request.confState ?? this.snapshot.metadata.confState;
    this.snapshot = { data: request.data, metadata: { index: request.index, term, confState } };
    this.snapshotChanged = true;
    return this.snapshot;
  }

  private compact(index: number): void {
    if (index <= this.start.index) throw new StorageError({ code: 'COMPACTED' });
    assert(
      index <= this.lastIndex,
      `compact ${String(index)} is past the last index ${String(this.lastIndex)}`,
    );
    this.start = { index, term: this.term(index) };
    this.startChanged = true;
    if (this.run.length > 0 && index >= this.runLo) {
      this.run = this.run.slice(index - this.runLo + 1);
      this.runLo = this.run.length === 0 ? 0 : index + 1;
    }
  }
}

/**
 * Where in `entries` an append to a log of (startIndex, lastIndex] begins: -1 when there is
 * nothing to append (empty, or all compacted). Entries already compacted are skipped, as in
 * MemoryStorage.append; asserts that the entries are contiguous and leave no gap.
 */
export function checkAppend(
  entries: readonly Entry[],
  startIndex: number,
  lastIndex: number,
): number {
  const head = entries[0];
  if (head === undefined) return -1;
  const last = head.index + entries.length - 1;
  if (last <= startIndex) return -1;
  const from = head.index > startIndex ? 0 : startIndex + 1 - head.index;
  assert(
    head.index + from <= lastIndex + 1,
    `append leaves a gap: log ends at ${String(lastIndex)}, entries start at ${String(head.index + from)}`,
  );
  return from;
}
