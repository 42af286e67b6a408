// A bounded cache of the most recent durable entries, so that a leader feeding followers from
// the tail of its log rarely reads LMDB. It holds one contiguous run [lo, hi) ending at the log's
// last durable index, and evicts from the front once it holds more than its byte budget.
import { entrySizeBytes, type Entry } from '@keel/raft-core';
import { assert } from './assert.js';

/** The cache of the log's tail. Invariant: `entries[i].index === lo + i`, `bytes <= bytesMax`. */
export class EntryCache {
  private entries: Entry[] = [];
  private head = 0; // entries[head] is the first live entry; the rest is garbage to be dropped
  private lo = 0;
  private bytes = 0;

  constructor(private readonly bytesMax: number) {
    assert(Number.isSafeInteger(bytesMax) && bytesMax >= 0, 'cache byte budget must be a uint');
  }

  /** The first cached index, or `hi()` when the cache is empty. */
  loIndex(): number {
    return this.lo;
  }

  /** One past the last cached index. */
  hiIndex(): number {
    return this.lo + this.entries.length - this.head;
  }

  /** Bytes held, as counted by `entrySizeBytes`. */
  sizeBytes(): number {
    return this.bytes;
  }

  /** The cached entry at `index`, or undefined when it is not cached. */
  get(index: number): Entry | undefined {
    if (index < this.lo || index >= this.hiIndex()) return undefined;
    return this.entries[this.head + index - this.lo];
  }

  /**
   * Appends `entries` at the tail. They must follow the cached run; when the cache is empty they
   * start it. Evicts the oldest entries past the byte budget.
   */
  append(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    if (this.hiIndex() === this.lo) this.reset(first.index);
    assert(first.index === this.hiIndex(), 'cache append must follow the cached run');
    for (const e of entries) {
      this.entries.push(e);
      this.bytes += entrySizeBytes(e);
    }
    this.evict();
  }

  /** Drops every cached entry at or after `index` (a truncated suffix). */
  truncateFrom(index: number): void {
    if (index >= this.hiIndex()) return;
    if (index <= this.lo) {
      this.reset(this.lo);
      return;
    }
    const keep = this.head + index - this.lo;
    for (let i = keep; i < this.entries.length; i++) {
      this.bytes -= entrySizeBytes(this.entries[i] as Entry);
    }
    this.entries.length = keep;
  }

  /** Drops every cached entry before `index` (a compacted prefix). */
  dropBefore(index: number): void {
    const hi = this.hiIndex();
    if (index >= hi) {
      this.reset(index);
      return;
    }
    while (this.lo < index) this.dropFirst();
    this.compactArray();
  }

  private reset(lo: number): void {
    this.entries = [];
    this.head = 0;
    this.lo = lo;
    this.bytes = 0;
  }

  private dropFirst(): void {
    const e = this.entries[this.head];
    assert(e !== undefined, 'cache drop from an empty run');
    this.bytes -= entrySizeBytes(e);
    this.head++;
    this.lo++;
  }

  private evict(): void {
    while (this.bytes > this.bytesMax && this.head < this.entries.length) this.dropFirst();
    this.compactArray();
  }

  // Dropping from the front only moves `head`; the array is copied once the dead part is at
  // least half of it, so eviction stays amortised O(1) per entry.
  private compactArray(): void {
    if (this.head === 0 || this.head * 2 < this.entries.length) return;
    this.entries = this.entries.slice(this.head);
    this.head = 0;
  }
}
