// The whole log as raft sees it (etcd's raftLog): the stable part in Storage, the unstable tail
// in UnstableLog, and the commit/applying/applied cursors.
//
//   storage:  [firstIndex ........ storage.lastIndex]
//   unstable:                  [offset ........ lastIndex]   (overlaps only while truncating)
//   cursors:   applied <= applying <= committed <= lastIndex
import { assert } from './assert.js';
import { isStorageError, StorageError } from './errors.js';
import { entriesSizeBytes } from './entries.js';
import { UnstableLog, type EntryId } from './log-unstable.js';
import type { Entry, Snapshot, Storage } from './types.js';

/** Raft's log over a Storage. */
export class RaftLog {
  readonly unstable: UnstableLog;
  /** The highest index known to be committed. Invariant: applied <= applying <= committed. */
  committed: number;
  /** The highest index handed to the application in a Ready. */
  applying: number;
  /** The highest index the application reported applied (through advance). */
  applied: number;
  /** Bytes of committed entries handed out and not yet applied. */
  private applyingSizeBytes = 0;

  constructor(
    readonly storage: Storage,
    readonly applyingSizeBytesMax: number,
  ) {
    const first = storage.firstIndex();
    const last = storage.lastIndex();
    assert(first >= 1 && last >= first - 1, 'storage reports an invalid index range');
    this.unstable = new UnstableLog(last + 1);
    this.committed = first - 1;
    this.applying = first - 1;
    this.applied = first - 1;
  }

  /** The first index held (after the snapshot). */
  firstIndex(): number {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex();
  }

  /** The last index of the log. */
  lastIndex(): number {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  /** The id of the last entry. */
  lastEntryId(): EntryId {
    const index = this.lastIndex();
    return { index, term: this.term(index) };
  }

  /**
   * The term of the entry at `index` (the snapshot's term at `firstIndex() - 1`).
   * @throws StorageError COMPACTED below that, UNAVAILABLE past the last index.
   */
  term(index: number): number {
    const t = this.unstable.maybeTerm(index);
    if (t !== undefined) return t;
    if (index < this.firstIndex() - 1) throw new StorageError({ code: 'COMPACTED' });
    if (index > this.lastIndex()) throw new StorageError({ code: 'UNAVAILABLE' });
    return this.storage.term(index);
  }

  /**
   * The term at `index`, or undefined when it is compacted or not in the log. Checks the range
   * first: exceptions on this hot path (every new entry is looked up) would be costly.
   */
  maybeTerm(index: number): number | undefined {
    const t = this.unstable.maybeTerm(index);
    if (t !== undefined) return t;
    if (index < this.firstIndex() - 1 || index > this.lastIndex()) return undefined;
    try {
      return this.storage.term(index);
    } catch (e) {
      if (isStorageError(e, 'COMPACTED') || isStorageError(e, 'UNAVAILABLE')) return undefined;
      throw e;
    }
  }

  /** The term at `index`, or 0 when it is compacted or not in the log. */
  termOr0(index: number): number {
    return this.maybeTerm(index) ?? 0;
  }

  /** Whether the log holds the entry `id` (false when its index is out of range). */
  matchTerm(id: EntryId): boolean {
    return this.maybeTerm(id.index) === id.term;
  }

  /** Raft §5.4.1: whether a log ending at `last` is at least as up to date as ours. */
  isUpToDate(last: EntryId): boolean {
    const ours = this.lastEntryId();
    return last.term > ours.term || (last.term === ours.term && last.index >= ours.index);
  }

  /**
   * Handles an append from the leader: if the entry before `entries` matches, appends what is
   * new (truncating a conflicting suffix) and commits up to `commit`. Returns the index of the
   * last new entry, or undefined when the previous entry does not match.
   */
  maybeAppend(prev: EntryId, commit: number, entries: readonly Entry[]): number | undefined {
    if (!this.matchTerm(prev)) return undefined;
    const lastNew = prev.index + entries.length;
    const conflict = this.findConflict(entries);
    if (conflict !== 0) {
      if (!(conflict > this.committed))
        assert(false, `conflict at ${String(conflict)} <= commit ${String(this.committed)}`);
      this.append(entries.slice(conflict - (prev.index + 1)));
    }
    this.commitTo(Math.min(commit, lastNew));
    return lastNew;
  }

  /** Appends entries at the end (or over an uncommitted suffix); returns the new last index. */
  append(entries: readonly Entry[]): number {
    const first = entries[0];
    if (first === undefined) return this.lastIndex();
    if (!(first.index - 1 >= this.committed))
      assert(false, `append at ${String(first.index)} below commit`);
    this.unstable.truncateAndAppend(entries);
    return this.lastIndex();
  }

  /** The index of the first entry whose term differs from ours (or is new), 0 if none. */
  findConflict(entries: readonly Entry[]): number {
    for (const e of entries) {
      if (!this.matchTerm(e)) return e.index;
    }
    return 0;
  }

  /**
   * For fast back-off (etcd's findConflictByTerm): the largest entry at or below `index` whose
   * term is `<= term`. Entries with larger terms cannot match the asking log.
   */
  findConflictByTerm(index: number, term: number): EntryId {
    const floor = this.firstIndex() - 1;
    let i = Math.min(index, this.lastIndex());
    for (; i >= floor; i--) {
      let ours: number;
      try {
        ours = this.term(i);
      } catch (e) {
        if (isStorageError(e, 'COMPACTED')) return { index: i, term: 0 };
        throw e;
      }
      if (ours <= term) return { index: i, term: ours };
    }
    return { index: Math.max(i, 0), term: 0 };
  }

  /** Raises the commit index; asserts it stays within the log. */
  commitTo(commit: number): void {
    if (commit <= this.committed) return;
    if (!(commit <= this.lastIndex())) assert(false, `commit ${String(commit)} past last index`);
    this.committed = commit;
  }

  /** Commits `id.index` if its term is `id.term` (commit only through the current term). */
  maybeCommit(id: EntryId): boolean {
    if (id.index > this.committed && this.termOr0(id.index) === id.term) {
      this.commitTo(id.index);
      return true;
    }
    return false;
  }

  /** Entries from `lo` to the end, at most `maxSizeBytes` (at least one). */
  entriesFrom(lo: number, maxSizeBytes: number): readonly Entry[] {
    if (lo > this.lastIndex()) return [];
    return this.slice(lo, this.lastIndex() + 1, maxSizeBytes);
  }

  /**
   * Entries in `[lo, hi)`, at most `maxSizeBytes` (at least one).
   * @throws StorageError COMPACTED when `lo` is compacted.
   */
  slice(lo: number, hi: number, maxSizeBytes: number): readonly Entry[] {
    if (!(lo <= hi && hi <= this.lastIndex() + 1))
      assert(false, `slice [${String(lo)}, ${String(hi)}) out of range`);
    if (lo < this.firstIndex()) throw new StorageError({ code: 'COMPACTED' });
    if (lo === hi) return [];
    const offset = this.unstable.offset;
    if (lo >= offset) return this.unstable.sliceWithin(lo, hi, maxSizeBytes);
    const cut = Math.min(hi, offset);
    const stored = this.storage.entries(lo, cut, maxSizeBytes);
    assert(
      stored.length > 0 && (stored[0] as Entry).index === lo,
      'storage returned wrong entries',
    );
    if (stored.length < cut - lo || hi <= cut) return stored;
    const size = entriesSizeBytes(stored);
    const more = this.unstable.sliceWithin(cut, hi, maxSizeBytes - size);
    if (more.length === 1 && size + entriesSizeBytes(more) > maxSizeBytes) return stored;
    return [...stored, ...more];
  }

  /** Committed entries not yet handed to the application (within the applying budget). */
  nextCommittedEntries(): readonly Entry[] {
    if (this.hasPendingSnapshot()) return [];
    const lo = this.applying + 1;
    const hi = this.committed + 1;
    if (lo >= hi) return [];
    const budget = this.applyingSizeBytesMax - this.applyingSizeBytes;
    if (budget <= 0) return [];
    return this.slice(lo, hi, budget);
  }

  /** Whether there are committed entries to hand out. */
  hasNextCommittedEntries(): boolean {
    if (this.hasPendingSnapshot()) return false;
    return this.applying < this.committed && this.applyingSizeBytes < this.applyingSizeBytesMax;
  }

  private hasPendingSnapshot(): boolean {
    return this.unstable.snapshot !== undefined;
  }

  /** Committed entries up to `index` (with `sizeBytes`) were handed out in a Ready. */
  acceptApplying(index: number, sizeBytes: number): void {
    assert(index <= this.committed, 'applying past commit');
    this.applying = index;
    this.applyingSizeBytes += sizeBytes;
  }

  /** The application applied up to `index` (`sizeBytes` of the applying budget freed). */
  appliedTo(index: number, sizeBytes: number): void {
    if (!(index <= this.committed && index >= this.applied))
      assert(false, `appliedTo ${String(index)} out of range`);
    this.applied = index;
    this.applying = Math.max(this.applying, index);
    this.applyingSizeBytes = Math.max(0, this.applyingSizeBytes - sizeBytes);
  }

  /** The current snapshot: the unstable one, else storage's. */
  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }

  /** Replaces the log with a snapshot received from the leader. */
  restore(snap: Snapshot): void {
    this.committed = snap.metadata.index;
    this.unstable.restore(snap);
  }

  /** `committed=5 applied=4 last=6/2`, for transcripts. */
  describe(): string {
    const last = this.lastEntryId();
    return `first=${String(this.firstIndex())} last=${String(last.index)}/${String(last.term)} committed=${String(this.committed)} applied=${String(this.applied)}`;
  }
}
