// The reference Storage: the whole log in an array, as etcd's MemoryStorage. raft-wal is built
// against it as the model, and tests and the simulator use it as their durable state.
import { assert } from '../assert.js';
import { StorageError } from '../errors.js';
import { countWithinSize } from '../entries.js';
import type { ConfState, Entry, HardState, Snapshot, Storage } from '../types.js';

/** A ConfState with no members. */
export const emptyConfState: ConfState = {
  voters: [],
  learners: [],
  votersOutgoing: [],
  learnersNext: [],
  autoLeave: false,
};

/**
 * An in-memory `Storage` with etcd MemoryStorage's writers. Not durable: "persisting" a Ready
 * means calling `append`, `setHardState` and `applySnapshot` on it.
 *
 * Invariant: `ents[0]` is a dummy holding the index and term of the last compacted entry (the
 * snapshot's), and `ents[i].index === ents[0].index + i`.
 */
export class MemoryStorage implements Storage {
  private hardState: HardState = { term: 0, vote: 0, commit: 0 };
  private snap: Snapshot = {
    data: new Uint8Array(0),
    metadata: { index: 0, term: 0, confState: emptyConfState },
  };
  private ents: Entry[] = [{ term: 0, index: 0, type: 'EntryNormal', data: new Uint8Array(0) }];

  /**
   * An empty log. `confState` bootstraps a new cluster: it becomes the configuration of the
   * initial (index 0) snapshot, so every founding member starts knowing the voters.
   */
  constructor(opts?: { confState?: ConfState }) {
    if (opts?.confState !== undefined) {
      this.snap = { ...this.snap, metadata: { ...this.snap.metadata, confState: opts.confState } };
    }
  }

  /** The stored HardState and the ConfState of the last snapshot. */
  initialState(): { readonly hardState: HardState; readonly confState: ConfState } {
    return { hardState: this.hardState, confState: this.snap.metadata.confState };
  }

  /** Replaces the stored HardState. */
  setHardState(hs: HardState): void {
    this.hardState = hs;
  }

  private offset(): number {
    return this.dummy().index;
  }

  private dummy(): Entry {
    const d = this.ents[0];
    assert(d !== undefined, 'MemoryStorage lost its dummy entry');
    return d;
  }

  /**
   * Entries in `[lo, hi)`, limited to `maxSizeBytes` but at least one.
   * @throws StorageError `COMPACTED` when `lo <= ` the snapshot index, `UNAVAILABLE` when `hi`
   * is past `lastIndex() + 1`.
   */
  entries(lo: number, hi: number, maxSizeBytes: number): readonly Entry[] {
    if (!(lo <= hi)) assert(false, `entries: lo ${String(lo)} > hi ${String(hi)}`);
    const offset = this.offset();
    if (lo <= offset) throw new StorageError({ code: 'COMPACTED' });
    if (hi > this.lastIndex() + 1) {
      throw new StorageError({
        code: 'UNAVAILABLE',
        message: `entries [${String(lo)}, ${String(hi)}) past last index ${String(this.lastIndex())}`,
      });
    }
    const from = lo - offset;
    const n = countWithinSize(this.ents, { from, to: hi - offset }, maxSizeBytes);
    return this.ents.slice(from, from + n);
  }

  /**
   * The term of the entry at `index`; the snapshot's term at the snapshot index.
   * @throws StorageError `COMPACTED` below the snapshot index, `UNAVAILABLE` past the last index.
   */
  term(index: number): number {
    const offset = this.offset();
    if (index < offset) throw new StorageError({ code: 'COMPACTED' });
    const e = this.ents[index - offset];
    if (e === undefined) throw new StorageError({ code: 'UNAVAILABLE' });
    return e.term;
  }

  /** The last index in the log (the snapshot index when the log is empty). */
  lastIndex(): number {
    return this.offset() + this.ents.length - 1;
  }

  /** The first index available: the snapshot index + 1. */
  firstIndex(): number {
    return this.offset() + 1;
  }

  /** The most recent snapshot. */
  snapshot(): Snapshot {
    return this.snap;
  }

  /**
   * Replaces the whole log with `snap` (a snapshot received from the leader).
   * @throws StorageError `SNAPSHOT_OUT_OF_DATE` when it is not newer than the stored one.
   */
  applySnapshot(snap: Snapshot): void {
    if (snap.metadata.index <= this.snap.metadata.index) {
      throw new StorageError({ code: 'SNAPSHOT_OUT_OF_DATE' });
    }
    this.snap = snap;
    const { index, term } = snap.metadata;
    this.ents = [{ term, index, type: 'EntryNormal', data: new Uint8Array(0) }];
  }

  /**
   * Records a snapshot of the application state at `index` (which must be in the log) and
   * returns it. Call `compact` afterwards to drop the entries it covers.
   * @throws StorageError `SNAPSHOT_OUT_OF_DATE` when `index` is not past the stored snapshot.
   */
  createSnapshot(index: number, confState: ConfState | undefined, data: Uint8Array): Snapshot {
    if (index <= this.snap.metadata.index) {
      throw new StorageError({ code: 'SNAPSHOT_OUT_OF_DATE' });
    }
    if (!(index <= this.lastIndex()))
      assert(false, `snapshot ${String(index)} is past the last index`);
    const term = this.term(index);
    this.snap = {
      data,
      metadata: { index, term, confState: confState ?? this.snap.metadata.confState },
    };
    return this.snap;
  }

  /**
   * Drops the entries up to `compactIndex`, keeping its term as the dummy's. The application
   * must have applied (and usually snapshotted) up to there.
   * @throws StorageError `COMPACTED` when `compactIndex` is already compacted.
   */
  compact(compactIndex: number): void {
    const offset = this.offset();
    if (compactIndex <= offset) throw new StorageError({ code: 'COMPACTED' });
    if (!(compactIndex <= this.lastIndex()))
      assert(false, `compact ${String(compactIndex)} past last index`);
    const i = compactIndex - offset;
    const at = this.ents[i];
    assert(at !== undefined, 'compact index missing');
    const dummy: Entry = {
      term: at.term,
      index: at.index,
      type: 'EntryNormal',
      data: new Uint8Array(0),
    };
    const rest = this.ents.slice(i + 1);
    rest.unshift(dummy);
    this.ents = rest;
  }

  /**
   * Appends entries, first truncating any conflicting suffix: entries at or after
   * `entries[0].index` are replaced. Entries already compacted are skipped.
   * Asserts that the entries are contiguous with the log (no gap).
   */
  append(entries: readonly Entry[]): void {
    const head = entries[0];
    if (head === undefined) return;
    const first = this.firstIndex();
    const last = head.index + entries.length - 1;
    if (last < first) return; // Everything given is already compacted.
    const skip = first > head.index ? first - head.index : 0;
    const start = head.index + skip;
    const at = start - this.offset();
    if (!(at <= this.ents.length))
      assert(
        false,
        `append leaves a gap: log ends at ${String(this.lastIndex())}, entries start at ${String(start)}`,
      );
    if (at < this.ents.length) this.ents.length = at;
    for (let i = skip; i < entries.length; i++) {
      const e = entries[i];
      assert(e !== undefined && e.index === start + i - skip, 'append: entries not contiguous');
      this.ents.push(e);
    }
  }
}
