// Reads: what keys in [key, rangeEnd) were at a revision, and etcd's Range request on top of it
// (filters, sorting, limit and `more`, count, keysOnly, countOnly), as etcd's applier does.
import type { Transaction } from 'lmdb';
import { assert } from './assert.js';
import { compareBytes, decodeRevRecord, keyInterval, revKey } from './encoding.js';
import type { KeyInterval } from './encoding.js';
import { MvccError } from './errors.js';
import { decodeKeyIndex, keyAt } from './key-index.js';
import { keyBytesMax } from './limits.js';
import type { BatchRevRows } from './rev-rows.js';
import type { Tables } from './tables.js';
import type { KeyValue, RangeRequest, RangeResponse, SortOrder, SortTarget } from './types.js';

const sortOrders: readonly string[] = ['NONE', 'ASCEND', 'DESCEND'];
const sortTargets: readonly string[] = ['KEY', 'VERSION', 'CREATE', 'MOD', 'VALUE'];
const emptyValue = new Uint8Array(0);

/** The revisions a read sees: `current` and `compacted` bound what `at` may be. */
export interface ReadView {
  readonly tables: Tables;
  readonly current: number;
  readonly compacted: number;
  /** A read transaction to use, when the caller holds one for consistency. */
  readonly txn?: Transaction | undefined;
  /** Inside an apply batch: its rev rows not yet written to LMDB. */
  readonly revRows?: BatchRevRows | undefined;
}

/** Checks a revision to read at; 0 means current. @throws MvccError COMPACTED, FUTURE_REV */
export function resolveReadRev(view: ReadView, rev: number | undefined): number {
  const r = rev ?? 0;
  if (!Number.isSafeInteger(r) || r < 0) {
    throw new MvccError({ code: 'INVALID_ARGUMENT', message: 'revision must be >= 0' });
  }
  if (r === 0) return view.current;
  if (r > view.current) {
    throw new MvccError({
      code: 'FUTURE_REV',
      message: 'mvcc: required revision is a future revision',
    });
  }
  if (r < view.compacted) {
    throw new MvccError({
      code: 'COMPACTED',
      message: 'mvcc: required revision has been compacted',
    });
  }
  return r;
}

/** Checks a request key. @throws MvccError EMPTY_KEY, INVALID_ARGUMENT */
export function checkKey(key: Uint8Array): void {
  if (key.length === 0) throw new MvccError({ code: 'EMPTY_KEY', message: 'key is not provided' });
  if (key.length > keyBytesMax) {
    throw new MvccError({
      code: 'INVALID_ARGUMENT',
      message: `key longer than ${String(keyBytesMax)} bytes`,
    });
  }
}

/** Visits the keys of `iv` as they were at `at`, in key order, until `visit` returns false. */
export function forEachKeyAt(
  view: ReadView,
  req: { iv: KeyInterval; at: number },
  visit: (key: Buffer, main: number, sub: number) => boolean,
): void {
  const { iv, at } = req;
  const txnOpt = view.txn === undefined ? undefined : { transaction: view.txn };
  if (iv.single) {
    const b = view.tables.index.get(iv.lo, txnOpt);
    const k = b === undefined ? undefined : keyAt(decodeKeyIndex(b), at);
    if (k !== undefined) visit(iv.lo, k.mod.main, k.mod.sub);
    return;
  }
  const range = view.tables.index.getRange({ start: iv.lo, end: iv.hi, ...txnOpt });
  for (const { key, value } of range) {
    const k = keyAt(decodeKeyIndex(value), at);
    if (k !== undefined && !visit(key, k.mod.main, k.mod.sub)) return;
  }
}

/** Reads the key-value of a live revision. */
export function readKeyValue(view: ReadView, main: number, sub: number): KeyValue {
  const b =
    view.revRows?.get(main, sub) ??
    view.tables.rev.get(
      revKey(main, sub),
      view.txn === undefined ? undefined : { transaction: view.txn },
    );
  assert(b !== undefined, 'an indexed revision has a record');
  const r = decodeRevRecord(b, main);
  assert(!r.tombstone, 'a visible revision is not a tombstone');
  return {
    key: r.key,
    createRevision: r.createRevision,
    modRevision: main,
    version: r.version,
    value: r.value,
    lease: r.lease,
  };
}

/** The key-values of `[key, rangeEnd)` at `at`, at most `limit` (0: all), and how many exist. */
export function rangeKeys(
  view: ReadView,
  req: { iv: KeyInterval; at: number; limit: number; countOnly: boolean },
): { kvs: KeyValue[]; count: number } {
  const kvs: KeyValue[] = [];
  let count = 0;
  forEachKeyAt(view, req, (_key, main, sub) => {
    count++;
    if (!req.countOnly && (req.limit === 0 || kvs.length < req.limit)) {
      kvs.push(readKeyValue(view, main, sub));
    }
    return true;
  });
  return { kvs, count };
}

/** The key-value of one key at `at`, or undefined. */
export function getKeyValue(view: ReadView, key: Uint8Array, at: number): KeyValue | undefined {
  const { kvs } = rangeKeys(view, {
    iv: keyInterval(key, undefined),
    at,
    limit: 1,
    countOnly: false,
  });
  return kvs[0];
}

function checkSort(order: SortOrder | undefined, target: SortTarget | undefined): void {
  if (order !== undefined && !sortOrders.includes(order)) {
    throw new MvccError({ code: 'INVALID_SORT_OPTION', message: 'invalid sort option' });
  }
  if (target !== undefined && !sortTargets.includes(target)) {
    throw new MvccError({ code: 'INVALID_SORT_OPTION', message: 'invalid sort option' });
  }
}

function compareBy(target: SortTarget): (a: KeyValue, b: KeyValue) => number {
  switch (target) {
    case 'KEY':
      return (a, b) => compareBytes(a.key, b.key);
    case 'VERSION':
      return (a, b) => a.version - b.version;
    case 'CREATE':
      return (a, b) => a.createRevision - b.createRevision;
    case 'MOD':
      return (a, b) => a.modRevision - b.modRevision;
    case 'VALUE':
      return (a, b) => compareBytes(a.value, b.value);
  }
}

function hasFilters(r: RangeRequest): boolean {
  return (
    (r.minModRevision ?? 0) !== 0 ||
    (r.maxModRevision ?? 0) !== 0 ||
    (r.minCreateRevision ?? 0) !== 0 ||
    (r.maxCreateRevision ?? 0) !== 0
  );
}

function passesFilters(r: RangeRequest, kv: KeyValue): boolean {
  const minMod = r.minModRevision ?? 0;
  const maxMod = r.maxModRevision ?? 0;
  const minCreate = r.minCreateRevision ?? 0;
  const maxCreate = r.maxCreateRevision ?? 0;
  if (maxMod !== 0 && kv.modRevision > maxMod) return false;
  if (minMod !== 0 && kv.modRevision < minMod) return false;
  if (maxCreate !== 0 && kv.createRevision > maxCreate) return false;
  return !(minCreate !== 0 && kv.createRevision < minCreate);
}

function checkRangeNumbers(r: RangeRequest): void {
  const nums = [
    r.limit,
    r.minModRevision,
    r.maxModRevision,
    r.minCreateRevision,
    r.maxCreateRevision,
  ];
  for (const n of nums) {
    if (n !== undefined && (!Number.isSafeInteger(n) || n < 0)) {
      throw new MvccError({ code: 'INVALID_ARGUMENT', message: 'range numbers must be >= 0' });
    }
  }
}

/**
 * The checks of a range that need no state (etcd's checkRangeRequest).
 * @throws MvccError EMPTY_KEY, INVALID_SORT_OPTION, INVALID_ARGUMENT
 */
export function checkRangeRequest(r: RangeRequest): void {
  checkKey(r.key);
  checkSort(r.sortOrder, r.sortTarget);
  checkRangeNumbers(r);
}

/**
 * etcd's Range. Sorting or filtering reads every key and cuts to `limit` afterwards; otherwise
 * one key past the limit is read to set `more`. `count` counts the keys in the range at the
 * revision, before filters, as etcd does.
 * @throws MvccError EMPTY_KEY, INVALID_SORT_OPTION, INVALID_ARGUMENT, COMPACTED, FUTURE_REV
 */
export function range(view: ReadView, r: RangeRequest): RangeResponse {
  checkRangeRequest(r);
  const at = resolveReadRev(view, r.revision);
  const limit = r.limit ?? 0;
  const target = r.sortTarget ?? 'KEY';
  let order = r.sortOrder ?? 'NONE';
  const fetchAll = order !== 'NONE' || hasFilters(r);
  const fetchLimit = fetchAll || limit === 0 ? 0 : limit + 1;
  const iv = keyInterval(r.key, r.rangeEnd);
  const res = rangeKeys(view, { iv, at, limit: fetchLimit, countOnly: r.countOnly === true });
  let kvs = hasFilters(r) ? res.kvs.filter((kv) => passesFilters(r, kv)) : res.kvs;
  // As etcd: keys come sorted by key ascending, so that order needs no sort, and any other
  // target without an order sorts ascending.
  if (target !== 'KEY' && order === 'NONE') order = 'ASCEND';
  else if (target === 'KEY' && order === 'ASCEND') order = 'NONE';
  if (order !== 'NONE') {
    const cmp = compareBy(target);
    kvs = [...kvs].sort(order === 'ASCEND' ? cmp : (a, b) => cmp(b, a));
  }
  let more = false;
  if (limit > 0 && kvs.length > limit) {
    kvs = kvs.slice(0, limit);
    more = true;
  }
  if (r.keysOnly === true) kvs = kvs.map((kv) => ({ ...kv, value: emptyValue }));
  return { kvs, more, count: res.count, revision: view.current };
}
