// The not-yet-durable tail of the log (etcd's unstable): entries and maybe a snapshot that a
// Ready hands to the application to persist. Entries handed out are "in progress" until
// `stableTo` acknowledges them.
import { assert } from './assert.js';
import { countWithinSize } from './entries.js';
import type { Entry, Snapshot } from './types.js';

/** An entry's position: its index and the term it was created in. */
export interface EntryId {
  readonly term: number;
  readonly index: number;
}

/**
 * Invariant: `entries[i].index === offset + i`; when `snapshot` is set,
 * `offset === snapshot.metadata.index + 1`; `offset <= offsetInProgress <= offset + entries.length`.
 */
export class UnstableLog {
  snapshot: Snapshot | undefined = undefined;
  entries: Entry[] = [];
  offset: number;
  /** Entries below this index were handed out in a Ready and await `stableTo`. */
  offsetInProgress: number;
  snapshotInProgress = false;

  constructor(offset: number) {
    this.offset = offset;
    this.offsetInProgress = offset;
  }

  /** The first index, when the unstable part holds a snapshot. */
  maybeFirstIndex(): number | undefined {
    return this.snapshot === undefined ? undefined : this.snapshot.metadata.index + 1;
  }

  /** The last index of the unstable entries or snapshot, if any. */
  maybeLastIndex(): number | undefined {
    if (this.entries.length > 0) return this.offset + this.entries.length - 1;
    return this.snapshot?.metadata.index;
  }

  /** The term at `index`, if the unstable part knows it. */
  maybeTerm(index: number): number | undefined {
    if (index < this.offset) {
      const snap = this.snapshot;
      return snap !== undefined && snap.metadata.index === index ? snap.metadata.term : undefined;
    }
    const last = this.maybeLastIndex();
    if (last === undefined || index > last) return undefined;
    return this.entries[index - this.offset]?.term;
  }

  /** Entries not yet handed out to be persisted. */
  nextEntries(): readonly Entry[] {
    const inProgress = this.offsetInProgress - this.offset;
    if (this.entries.length === inProgress) return [];
    return this.entries.slice(inProgress);
  }

  /** The snapshot, if not yet handed out to be persisted. */
  nextSnapshot(): Snapshot | undefined {
    return this.snapshotInProgress ? undefined : this.snapshot;
  }

  /** Marks everything handed out so far as being persisted. */
  acceptInProgress(): void {
    if (this.entries.length > 0) this.offsetInProgress = this.offset + this.entries.length;
    if (this.snapshot !== undefined) this.snapshotInProgress = true;
  }

  /** The entries up to `id` are durable: drop them if they are still the same entries. */
  stableTo(id: EntryId): void {
    const term = this.maybeTerm(id.index);
    // The entry was overwritten by a newer leader's entries meanwhile, or is the snapshot's.
    if (term === undefined || term !== id.term || id.index < this.offset) return;
    const n = id.index + 1 - this.offset;
    this.entries = this.entries.slice(n);
    this.offset = id.index + 1;
    this.offsetInProgress = Math.max(this.offsetInProgress, this.offset);
  }

  /** The snapshot at `index` is durable. */
  stableSnapTo(index: number): void {
    if (this.snapshot !== undefined && this.snapshot.metadata.index === index) {
      this.snapshot = undefined;
      this.snapshotInProgress = false;
    }
  }

  /** Replaces everything with a snapshot received from the leader. */
  restore(snap: Snapshot): void {
    this.offset = snap.metadata.index + 1;
    this.offsetInProgress = this.offset;
    this.entries = [];
    this.snapshot = snap;
    this.snapshotInProgress = false;
  }

  /** Appends `ents`, truncating any unstable entries at or after `ents[0].index`. */
  truncateAndAppend(ents: readonly Entry[]): void {
    const first = ents[0];
    if (first === undefined) return;
    const from = first.index;
    const end = this.offset + this.entries.length;
    if (from === end) {
      for (const e of ents) this.entries.push(e);
    } else if (from <= this.offset) {
      // Replaces the whole unstable part (the stable log is truncated when persisted).
      this.offset = from;
      this.offsetInProgress = from;
      this.entries = [...ents];
    } else {
      if (!(from < end)) assert(false, `unstable append leaves a gap at ${String(from)}`);
      this.entries = this.entries.slice(0, from - this.offset);
      for (const e of ents) this.entries.push(e);
      this.offsetInProgress = Math.min(this.offsetInProgress, from);
    }
  }

  /** Entries in `[lo, hi)` within the unstable part, cut to `maxSizeBytes` (at least one). */
  sliceWithin(lo: number, hi: number, maxSizeBytes: number): readonly Entry[] {
    assert(
      lo >= this.offset && hi <= this.offset + this.entries.length,
      'unstable slice out of range',
    );
    const from = lo - this.offset;
    const n = countWithinSize(this.entries, { from, to: hi - this.offset }, maxSizeBytes);
    return this.entries.slice(from, from + n);
  }

  /** Entries in `[lo, hi)`, which must lie within the unstable part. */
  slice(lo: number, hi: number): readonly Entry[] {
    assert(
      lo >= this.offset && hi <= this.offset + this.entries.length,
      'unstable slice out of range',
    );
    return this.entries.slice(lo - this.offset, hi - this.offset);
  }
}
