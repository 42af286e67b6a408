// An in-memory multi-version key-value store with etcd's semantics, for tests of the gRPC edge
// only: it keeps every revision in arrays and scans them, which is fine for a few thousand keys.
// It exists because kv-mvcc's store is being written in parallel; tests move to it when it lands.
import {
  MvccError,
  type Compare,
  type DeleteRangeRequest,
  type DeleteRangeResponse,
  type Event,
  type KeyValue,
  type PutRequest,
  type PutResponse,
  type RangeRequest,
  type RangeResponse,
  type RequestOp,
  type ResponseOp,
  type TxnRequest,
  type TxnResponse,
} from '@keel/kv-mvcc';

const empty = new Uint8Array(0);

/** Byte order of keys, as etcd sorts them. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}

/** True when `key` is in etcd's range [from, end): empty end = one key, [0] = to infinity. */
export function inRange(key: Uint8Array, from: Uint8Array, end: Uint8Array | undefined): boolean {
  if (end === undefined || end.length === 0) return compareBytes(key, from) === 0;
  if (end.length === 1 && end[0] === 0) return compareBytes(key, from) >= 0;
  return compareBytes(key, from) >= 0 && compareBytes(key, end) < 0;
}

/** One change in a key's history: a put (kv) or a delete (tombstone at modRevision). */
interface Version {
  readonly kv: KeyValue;
  readonly deleted: boolean;
}

/** The store: per key, its versions in revision order. */
export class MemoryKv {
  revision = 1;
  compactRevision = 0;
  readonly #keys = new Map<string, Version[]>();
  readonly #log: { revision: number; events: Event[] }[] = [];
  /** Called with each revision's events as it is written. */
  onCommit: (events: readonly Event[], revision: number) => void = () => undefined;

  #latest(key: Uint8Array, atRevision: number): KeyValue | undefined {
    const versions = this.#keys.get(Buffer.from(key).toString('latin1')) ?? [];
    for (let i = versions.length - 1; i >= 0; i--) {
      const v = versions[i];
      if (v !== undefined && v.kv.modRevision <= atRevision) return v.deleted ? undefined : v.kv;
    }
    return undefined;
  }

  #live(from: Uint8Array, end: Uint8Array | undefined, atRevision: number): KeyValue[] {
    const out: KeyValue[] = [];
    for (const name of [...this.#keys.keys()].sort()) {
      const key = Buffer.from(name, 'latin1');
      if (!inRange(key, from, end)) continue;
      const kv = this.#latest(key, atRevision);
      if (kv !== undefined) out.push(kv);
    }
    return out;
  }

  #checkRevision(revision: number): number {
    if (revision <= 0) return this.revision;
    if (revision > this.revision) throw new MvccError({ code: 'FUTURE_REV' });
    if (revision < this.compactRevision) throw new MvccError({ code: 'COMPACTED' });
    return revision;
  }

  /** `pending` is the revision a txn is writing, so its reads see its own earlier writes. */
  range(req: RangeRequest, pending?: number): RangeResponse {
    const at = pending ?? this.#checkRevision(req.revision ?? 0);
    let kvs = this.#live(req.key, req.rangeEnd, at).filter(
      (kv) =>
        (!req.minModRevision || kv.modRevision >= req.minModRevision) &&
        (!req.maxModRevision || kv.modRevision <= req.maxModRevision) &&
        (!req.minCreateRevision || kv.createRevision >= req.minCreateRevision) &&
        (!req.maxCreateRevision || kv.createRevision <= req.maxCreateRevision),
    );
    kvs = sortKvs(kvs, req);
    const count = kvs.length;
    const limit = req.limit ?? 0;
    const more = limit > 0 && count > limit;
    if (more) kvs = kvs.slice(0, limit);
    if (req.countOnly) kvs = [];
    if (req.keysOnly) kvs = kvs.map((kv) => ({ ...kv, value: empty }));
    return { kvs, more, count, revision: this.revision };
  }

  #write(key: Uint8Array, v: Version): void {
    const name = Buffer.from(key).toString('latin1');
    const versions = this.#keys.get(name) ?? [];
    versions.push(v);
    this.#keys.set(name, versions);
  }

  #put(req: PutRequest, rev: number, events: Event[]): PutResponse {
    const prev = this.#latest(req.key, rev);
    if ((req.ignoreValue || req.ignoreLease) && prev === undefined) {
      throw new MvccError({ code: 'KEY_NOT_FOUND' });
    }
    const kv: KeyValue = {
      key: Buffer.from(req.key),
      createRevision: prev?.createRevision ?? rev,
      modRevision: rev,
      version: (prev?.version ?? 0) + 1,
      value: req.ignoreValue && prev ? prev.value : Buffer.from(req.value),
      lease: req.ignoreLease && prev ? prev.lease : (req.lease ?? 0),
    };
    this.#write(req.key, { kv, deleted: false });
    events.push({ type: 'PUT', kv, prevKv: prev });
    return { prevKv: req.prevKv ? prev : undefined, revision: rev };
  }

  #delete(req: DeleteRangeRequest, rev: number, events: Event[]): DeleteRangeResponse {
    const gone = this.#live(req.key, req.rangeEnd, rev);
    for (const prev of gone) {
      const kv: KeyValue = {
        key: prev.key,
        createRevision: 0,
        modRevision: rev,
        version: 0,
        value: empty,
        lease: 0,
      };
      this.#write(prev.key, { kv, deleted: true });
      events.push({ type: 'DELETE', kv, prevKv: prev });
    }
    return { deleted: gone.length, prevKvs: req.prevKv ? gone : [], revision: rev };
  }

  /** Runs `fn` as one revision: it commits (and notifies) only if it wrote something. */
  #commit<T>(fn: (rev: number, events: Event[]) => T): T {
    const events: Event[] = [];
    const result = fn(this.revision + 1, events);
    if (events.length > 0) {
      this.revision += 1;
      this.#log.push({ revision: this.revision, events });
      this.onCommit(events, this.revision);
    }
    return result;
  }

  put(req: PutRequest): PutResponse {
    return this.#commit((rev, events) => this.#put(req, rev, events));
  }

  deleteRange(req: DeleteRangeRequest): DeleteRangeResponse {
    const res = this.#commit((rev, events) => this.#delete(req, rev, events));
    return { ...res, revision: this.revision };
  }

  #compareHolds(c: Compare): boolean {
    const kvs = c.rangeEnd
      ? this.#live(c.key, c.rangeEnd, this.revision)
      : [this.#latest(c.key, this.revision)];
    return kvs.every((kv) => {
      const [have, want] = operands(c, kv);
      const cmp =
        typeof have === 'number' ? have - (want as number) : compareBytes(have, want as Uint8Array);
      if (c.result === 'EQUAL') return cmp === 0;
      if (c.result === 'NOT_EQUAL') return cmp !== 0;
      return c.result === 'GREATER' ? cmp > 0 : cmp < 0;
    });
  }

  #ops(ops: readonly RequestOp[], rev: number, events: Event[]): ResponseOp[] {
    return ops.map((op): ResponseOp => {
      if ('requestRange' in op) return { responseRange: this.range(op.requestRange, rev) };
      if ('requestPut' in op) return { responsePut: this.#put(op.requestPut, rev, events) };
      if ('requestDeleteRange' in op) {
        return { responseDeleteRange: this.#delete(op.requestDeleteRange, rev, events) };
      }
      return { responseTxn: this.#txn(op.requestTxn, rev, events) };
    });
  }

  #txn(req: TxnRequest, rev: number, events: Event[]): TxnResponse {
    const succeeded = req.compare.every((c) => this.#compareHolds(c));
    const responses = this.#ops(succeeded ? req.success : req.failure, rev, events);
    return { succeeded, responses, revision: rev };
  }

  txn(req: TxnRequest): TxnResponse {
    const res = this.#commit((rev, events) => this.#txn(req, rev, events));
    return { ...res, revision: this.revision };
  }

  compact(revision: number): void {
    if (revision <= this.compactRevision) throw new MvccError({ code: 'COMPACTED' });
    if (revision > this.revision) throw new MvccError({ code: 'FUTURE_REV' });
    this.compactRevision = revision;
  }

  /** The events of revisions >= `from`, in order. */
  history(from: number): { revision: number; events: Event[] }[] {
    return this.#log.filter((r) => r.revision >= from);
  }

  /** A 32-bit hash of every version up to `revision`. */
  hash(revision: number): number {
    let h = 0;
    for (const r of this.#log) {
      if (r.revision > revision) break;
      for (const e of r.events) {
        for (const byte of Buffer.concat([e.kv.key, e.kv.value]))
          h = (Math.imul(h, 31) + byte) >>> 0;
        h = (Math.imul(h, 31) + r.revision) >>> 0;
      }
    }
    return h;
  }

  /** Every live key attached to `lease`. */
  keysOfLease(lease: number): KeyValue[] {
    return this.#live(new Uint8Array([0]), new Uint8Array([0]), this.revision).filter(
      (kv) => kv.lease === lease,
    );
  }
}

function operands(
  c: Compare,
  kv: KeyValue | undefined,
): [number | Uint8Array, number | Uint8Array] {
  switch (c.target) {
    case 'VERSION':
      return [kv?.version ?? 0, c.version ?? 0];
    case 'CREATE':
      return [kv?.createRevision ?? 0, c.createRevision ?? 0];
    case 'MOD':
      return [kv?.modRevision ?? 0, c.modRevision ?? 0];
    case 'VALUE':
      return [kv?.value ?? empty, c.value ?? empty];
    case 'LEASE':
      return [kv?.lease ?? 0, c.lease ?? 0];
  }
}

function sortKvs(kvs: KeyValue[], req: RangeRequest): KeyValue[] {
  const order = req.sortOrder ?? 'NONE';
  if (order === 'NONE') return kvs;
  const field = (kv: KeyValue): number | Uint8Array => {
    switch (req.sortTarget ?? 'KEY') {
      case 'KEY':
        return kv.key;
      case 'VERSION':
        return kv.version;
      case 'CREATE':
        return kv.createRevision;
      case 'MOD':
        return kv.modRevision;
      case 'VALUE':
        return kv.value;
    }
  };
  const sorted = [...kvs].sort((a, b) => {
    const x = field(a);
    const y = field(b);
    return typeof x === 'number' ? x - (y as number) : compareBytes(x, y as Uint8Array);
  });
  return order === 'DESCEND' ? sorted.reverse() : sorted;
}
