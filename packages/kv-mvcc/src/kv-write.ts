// Writes inside one LMDB write transaction: every change of one request (or txn) gets the same
// main revision and increasing sub revisions, as etcd's storeTxnWrite does.
import { assert } from './assert.js';
import { asBuffer, encodeRevRecord, keyInterval, u64Bytes } from './encoding.js';
import type { RevRecord } from './encoding.js';
import { MvccError } from './errors.js';
import { indexPut, indexTombstone, isLive } from './key-index.js';
import { checkKey, forEachKeyAt, getKeyValue, readKeyValue } from './kv-read.js';
import type { ReadView } from './kv-read.js';
import { valueBytesMax } from './limits.js';
import type { BatchRevRows } from './rev-rows.js';
import { getKeyIndex, putKeyIndex, type Tables } from './tables.js';
import type {
  DeleteRangeRequest,
  DeleteRangeResponse,
  KeyValue,
  PutRequest,
  PutResponse,
} from './types.js';

/** One change made by a write: its revision and the stored record. */
export interface Change {
  readonly main: number;
  readonly sub: number;
  readonly record: RevRecord;
}

const emptyValue = new Uint8Array(0);

/** The row attaching `key` to lease `id`. */
export function leaseKeyRow(id: number, key: Uint8Array): Buffer {
  return Buffer.concat([u64Bytes(id), asBuffer(key)]);
}

/** True when lease `id` exists. */
export function leaseExists(tables: Tables, id: number): boolean {
  return tables.lease.get(u64Bytes(id)) !== undefined;
}

/** The changes of one atomic write at revision `beginRev + 1`. */
export class WriteTxn {
  readonly changes: Change[] = [];
  readonly beginRev: number;
  readonly compacted: number;
  /**
   * @param revRows the batch's rev rows: this write adds its rows there; the batch writes them.
   */
  constructor(
    readonly tables: Tables,
    readonly revRows: BatchRevRows,
    at: { readonly beginRev: number; readonly compacted: number },
  ) {
    this.beginRev = at.beginRev;
    this.compacted = at.compacted;
  }

  /** The revision this write creates when it changes anything. */
  get main(): number {
    return this.beginRev + 1;
  }

  /** The revision reads inside the write see: its own changes are visible (as in etcd). */
  view(): ReadView {
    const current = this.changes.length > 0 ? this.main : this.beginRev;
    return { tables: this.tables, current, compacted: this.compacted, revRows: this.revRows };
  }

  /** Puts `key`, continuing its generation or starting one, and moves its lease row. */
  put(key: Uint8Array, value: Uint8Array, lease: number): void {
    const t = this.tables;
    const ki = getKeyIndex(t, key);
    const live = isLive(ki);
    const rev = { main: this.main, sub: this.changes.length };
    const oldLease = ki !== undefined && live ? ki.lease : 0;
    const next = indexPut(ki, rev, lease);
    const g = next.generations[next.generations.length - 1];
    assert(g !== undefined, 'a put leaves an open generation');
    const record: RevRecord = {
      key,
      value,
      createRevision: g.created.main,
      version: g.ver,
      lease,
      tombstone: false,
    };
    this.revRows.add(rev.main, rev.sub, encodeRevRecord(record, rev.main));
    putKeyIndex(t, key, next);
    if (oldLease !== lease) {
      if (oldLease !== 0) t.leaseKey.removeSync(leaseKeyRow(oldLease, key));
      if (lease !== 0) t.leaseKey.putSync(leaseKeyRow(lease, key), Buffer.alloc(0));
    }
    this.changes.push({ main: rev.main, sub: rev.sub, record });
  }

  /** Deletes `key` with a tombstone; false (and no change) when it is not live. */
  deleteKey(key: Uint8Array): boolean {
    const t = this.tables;
    const ki = getKeyIndex(t, key);
    if (ki === undefined || !isLive(ki)) return false;
    const rev = { main: this.main, sub: this.changes.length };
    const oldLease = ki.lease;
    indexTombstone(ki, rev);
    const record: RevRecord = {
      key,
      value: emptyValue,
      createRevision: 0,
      version: 0,
      lease: 0,
      tombstone: true,
    };
    this.revRows.add(rev.main, rev.sub, encodeRevRecord(record, rev.main));
    putKeyIndex(t, key, ki);
    if (oldLease !== 0) t.leaseKey.removeSync(leaseKeyRow(oldLease, key));
    this.changes.push({ main: rev.main, sub: rev.sub, record });
    return true;
  }
}

function checkLeaseId(id: number): void {
  if (!Number.isSafeInteger(id) || id < 0) {
    throw new MvccError({ code: 'INVALID_ARGUMENT', message: 'lease ID must be >= 0' });
  }
}

/**
 * The checks of a put that need no state (etcd's checkPutRequest).
 * @throws MvccError EMPTY_KEY, VALUE_PROVIDED, LEASE_PROVIDED, INVALID_ARGUMENT
 */
export function checkPutRequest(r: PutRequest): void {
  checkKey(r.key);
  if (r.value.length > valueBytesMax) {
    throw new MvccError({ code: 'INVALID_ARGUMENT', message: 'value too large' });
  }
  const lease = r.lease ?? 0;
  checkLeaseId(lease);
  if (r.ignoreValue === true && r.value.length !== 0) {
    throw new MvccError({ code: 'VALUE_PROVIDED', message: 'value is provided' });
  }
  if (r.ignoreLease === true && lease !== 0) {
    throw new MvccError({ code: 'LEASE_PROVIDED', message: 'lease is provided' });
  }
}

/**
 * The checks of a put against the state (etcd's checkRequestPut).
 * @throws MvccError LEASE_NOT_FOUND, KEY_NOT_FOUND
 */
export function checkPutState(w: WriteTxn, r: PutRequest): void {
  const lease = r.lease ?? 0;
  if (lease !== 0 && !leaseExists(w.tables, lease)) {
    throw new MvccError({ code: 'LEASE_NOT_FOUND', message: 'requested lease not found' });
  }
  if (r.ignoreValue === true || r.ignoreLease === true) {
    const view = w.view();
    if (getKeyValue(view, r.key, view.current) === undefined) {
      throw new MvccError({ code: 'KEY_NOT_FOUND', message: 'key not found' });
    }
  }
}

/** Applies a checked put. */
export function applyPut(w: WriteTxn, r: PutRequest): PutResponse {
  const view = w.view();
  let prev: KeyValue | undefined;
  if (r.prevKv === true || r.ignoreValue === true || r.ignoreLease === true) {
    prev = getKeyValue(view, r.key, view.current);
  }
  const value = r.ignoreValue === true && prev !== undefined ? prev.value : r.value;
  const lease = r.ignoreLease === true && prev !== undefined ? prev.lease : (r.lease ?? 0);
  w.put(r.key, value, lease);
  return { prevKv: r.prevKv === true ? prev : undefined, revision: w.main };
}

/** Checks a delete range. @throws MvccError EMPTY_KEY, INVALID_ARGUMENT */
export function checkDeleteRangeRequest(r: DeleteRangeRequest): void {
  checkKey(r.key);
}

/** Applies a delete range; deleting nothing changes nothing (no new revision). */
export function applyDeleteRange(w: WriteTxn, r: DeleteRangeRequest): DeleteRangeResponse {
  const view = w.view();
  const keys: Buffer[] = [];
  const prevKvs: KeyValue[] = [];
  forEachKeyAt(view, { iv: keyInterval(r.key, r.rangeEnd), at: view.current }, (key, main, sub) => {
    keys.push(Buffer.from(key));
    if (r.prevKv === true) prevKvs.push(readKeyValue(view, main, sub));
    return true;
  });
  for (const k of keys) {
    const deleted = w.deleteKey(k);
    assert(deleted, 'a key seen live is deleted');
  }
  const revision = keys.length > 0 ? w.main : w.beginRev;
  return { deleted: keys.length, prevKvs, revision };
}
