// A plain in-memory reference model of the store's semantics: the full change log plus the
// current map. Deliberately simple (linear scans), so that it is obviously right.

/** One change in the model's log. */
export interface ModelChange {
  readonly main: number;
  readonly key: string;
  readonly value: string;
  readonly createRevision: number;
  readonly version: number;
  readonly lease: number;
  readonly tombstone: boolean;
}

/** A key-value as the model shows it (same text as `show` in helpers.ts). */
export function showModel(c: ModelChange): string {
  return `${c.key}=${c.value} c${String(c.createRevision)} m${String(c.main)} v${String(c.version)} l${String(c.lease)}`;
}

/** The reference model. */
export class Model {
  // As etcd: an empty store is at revision 1, and the first write gets revision 2.
  rev = 1;
  compactRev = 0;
  log: ModelChange[] = [];
  leases = new Map<number, number>(); // ID -> TTL
  nextLeaseId = 1;

  /** The change visible for `key` at `at`, if the key is live there. */
  at(key: string, at: number): ModelChange | undefined {
    let found: ModelChange | undefined;
    for (const c of this.log) if (c.key === key && c.main <= at) found = c;
    return found === undefined || found.tombstone ? undefined : found;
  }

  /** Keys in [lo, hi) (hi undefined: just lo) live at `at`, sorted. */
  range(lo: string, hi: string | undefined, at: number): ModelChange[] {
    const keys = [...new Set(this.log.map((c) => c.key))].sort();
    const inRange = keys.filter((k) => (hi === undefined ? k === lo : k >= lo && k < hi));
    return inRange.map((k) => this.at(k, at)).filter((c): c is ModelChange => c !== undefined);
  }

  /** Applies the writes of one revision: puts and deletes in order; no change, no revision. */
  write(ops: readonly ({ put: string; value: string; lease: number } | { del: string })[]): void {
    const main = this.rev + 1;
    let changed = false;
    for (const op of ops) {
      if ('put' in op) {
        const prev = this.at(op.put, changed ? main : this.rev);
        this.log.push({
          main,
          key: op.put,
          value: op.value,
          createRevision: prev?.createRevision ?? main,
          version: (prev?.version ?? 0) + 1,
          lease: op.lease,
          tombstone: false,
        });
        changed = true;
      } else if (this.at(op.del, changed ? main : this.rev) !== undefined) {
        this.log.push({
          main,
          key: op.del,
          value: '',
          createRevision: 0,
          version: 0,
          lease: 0,
          tombstone: true,
        });
        changed = true;
      }
    }
    if (changed) this.rev = main;
  }

  /** Keys attached to lease `id` now. */
  leaseKeys(id: number): string[] {
    return this.range('\u0000', '\uffff', this.rev)
      .filter((c) => c.lease === id)
      .map((c) => c.key);
  }

  /** Changes with revision >= from, in order (for watch). */
  changesFrom(from: number, lo: string, hi: string): ModelChange[] {
    return this.log.filter((c) => c.main >= from && c.key >= lo && c.key < hi);
  }
}
