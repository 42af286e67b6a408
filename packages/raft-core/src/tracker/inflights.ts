// The window of appends in flight to one follower, bounded by count and by bytes, as etcd's
// Inflights: a ring buffer of (last index, size) pairs in ascending index order.
import { assert } from '../assert.js';

/** Appends sent but not yet acknowledged, limited by count and total bytes. */
export class Inflights {
  private start = 0;
  private countValue = 0;
  private bytesValue = 0;
  private readonly indexes: number[];
  private readonly sizes: number[];

  /** A window of at most `countMax` messages and `bytesMax` bytes (0 = no byte limit). */
  constructor(
    readonly countMax: number,
    readonly bytesMax: number,
  ) {
    assert(Number.isSafeInteger(countMax) && countMax > 0, 'Inflights countMax must be > 0');
    this.indexes = new Array<number>(countMax).fill(0);
    this.sizes = new Array<number>(countMax).fill(0);
  }

  /** A copy with the same contents. */
  clone(): Inflights {
    const c = new Inflights(this.countMax, this.bytesMax);
    for (let i = 0; i < this.countValue; i++) {
      const at = (this.start + i) % this.countMax;
      c.add(this.indexes[at] ?? 0, this.sizes[at] ?? 0);
    }
    return c;
  }

  /** Records an append whose last entry is `index`, carrying `sizeBytes`. */
  add(index: number, sizeBytes: number): void {
    assert(!this.full(), 'Inflights.add on a full window');
    if (this.countValue > 0) {
      const lastAt = (this.start + this.countValue - 1) % this.countMax;
      assert(index > (this.indexes[lastAt] ?? 0), 'Inflights indexes must increase');
    }
    const at = (this.start + this.countValue) % this.countMax;
    this.indexes[at] = index;
    this.sizes[at] = sizeBytes;
    this.countValue++;
    this.bytesValue += sizeBytes;
  }

  /** Frees every append whose last index is `<= index`. */
  freeLE(index: number): void {
    while (this.countValue > 0) {
      const at = this.start;
      if ((this.indexes[at] ?? 0) > index) break;
      this.bytesValue -= this.sizes[at] ?? 0;
      this.start = (this.start + 1) % this.countMax;
      this.countValue--;
    }
    if (this.countValue === 0) this.start = 0;
  }

  /** True when no more appends may be sent: the count or the byte budget is used up. */
  full(): boolean {
    return (
      this.countValue === this.countMax || (this.bytesMax !== 0 && this.bytesValue >= this.bytesMax)
    );
  }

  /** The number of appends in flight. */
  count(): number {
    return this.countValue;
  }

  /** The bytes in flight. */
  sizeBytes(): number {
    return this.bytesValue;
  }

  /** Frees everything. */
  reset(): void {
    this.start = 0;
    this.countValue = 0;
    this.bytesValue = 0;
  }
}
