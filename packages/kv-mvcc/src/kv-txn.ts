// Txn: compares, then the success or failure branch, nested txns included, all writes at one
// revision (etcd's applyTxn with checkTxn, checkIntervals and applyCompare).
import { compareBytes, intervalContains, keyInterval, type KeyInterval } from './encoding.js';
import { MvccError } from './errors.js';
import { checkKey, checkRangeRequest, range, rangeKeys, resolveReadRev } from './kv-read.js';
import { txnDepthMax } from './limits.js';
import {
  applyDeleteRange,
  applyPut,
  checkDeleteRangeRequest,
  checkPutRequest,
  checkPutState,
  type WriteTxn,
} from './kv-write.js';
import type { Compare, KeyValue, RequestOp, ResponseOp, TxnRequest, TxnResponse } from './types.js';

const duplicateKey = (): MvccError =>
  new MvccError({ code: 'DUPLICATE_KEY', message: 'duplicate key given in txn request' });

/** The keys a branch puts and the intervals it deletes (etcd's checkIntervals). */
interface Writes {
  puts: Set<string>;
  dels: KeyInterval[];
}

function hexKey(k: Uint8Array): string {
  return Buffer.from(k.buffer, k.byteOffset, k.byteLength).toString('hex');
}

function deletesCover(dels: readonly KeyInterval[], hex: string): boolean {
  const k = Buffer.from(hex, 'hex');
  return dels.some((iv) => intervalContains(iv, k));
}

function mergeChildPuts(acc: Writes, thenW: Writes, elseW: Writes): void {
  for (const k of thenW.puts) {
    if (acc.puts.has(k) || deletesCover(acc.dels, k)) throw duplicateKey();
    acc.puts.add(k);
  }
  for (const k of elseW.puts) {
    // then and else exclude each other, so a key in both is fine.
    if (acc.puts.has(k) && !thenW.puts.has(k)) throw duplicateKey();
    if (deletesCover(acc.dels, k)) throw duplicateKey();
    acc.puts.add(k);
  }
  acc.dels.push(...thenW.dels, ...elseW.dels);
}

/** Collects a branch's writes; a key put twice, or put and deleted, is DUPLICATE_KEY. */
function checkIntervals(ops: readonly RequestOp[]): Writes {
  const acc: Writes = { puts: new Set(), dels: [] };
  for (const op of ops) {
    if ('requestDeleteRange' in op) {
      acc.dels.push(keyInterval(op.requestDeleteRange.key, op.requestDeleteRange.rangeEnd));
    }
  }
  for (const op of ops) {
    if ('requestTxn' in op) {
      const t = op.requestTxn;
      mergeChildPuts(acc, checkIntervals(t.success), checkIntervals(t.failure));
    }
  }
  for (const op of ops) {
    if (!('requestPut' in op)) continue;
    const k = hexKey(op.requestPut.key);
    if (acc.puts.has(k) || deletesCover(acc.dels, k)) throw duplicateKey();
    acc.puts.add(k);
  }
  return acc;
}

function checkOps(ops: readonly RequestOp[], maxTxnOps: number, depth: number): void {
  for (const op of ops) {
    if ('requestRange' in op) checkRangeRequest(op.requestRange);
    else if ('requestPut' in op) checkPutRequest(op.requestPut);
    else if ('requestDeleteRange' in op) checkDeleteRangeRequest(op.requestDeleteRange);
    else checkTxnShape(op.requestTxn, maxTxnOps, depth + 1);
  }
}

function checkTxnShape(r: TxnRequest, maxTxnOps: number, depth: number): void {
  if (
    r.compare.length > maxTxnOps ||
    r.success.length > maxTxnOps ||
    r.failure.length > maxTxnOps
  ) {
    throw new MvccError({ code: 'TOO_MANY_OPS', message: 'too many operations in txn request' });
  }
  if (depth > txnDepthMax) {
    throw new MvccError({ code: 'INVALID_ARGUMENT', message: 'txns nested too deep' });
  }
  for (const c of r.compare) checkKey(c.key);
  checkOps(r.success, maxTxnOps, depth);
  checkOps(r.failure, maxTxnOps, depth);
}

/**
 * The checks of a txn that need no state (etcd's checkTxnRequest and checkIntervals).
 * @throws MvccError TOO_MANY_OPS, DUPLICATE_KEY, EMPTY_KEY, VALUE_PROVIDED, LEASE_PROVIDED,
 *   INVALID_ARGUMENT
 */
export function checkTxnRequest(r: TxnRequest, maxTxnOps: number): void {
  checkTxnShape(r, maxTxnOps, 0);
  checkIntervals(r.success);
  checkIntervals(r.failure);
}

/** True when a txn (or a nested one) may put: NO_SPACE applies to it. */
export function txnHasPuts(r: TxnRequest): boolean {
  const has = (ops: readonly RequestOp[]): boolean =>
    ops.some((op) => 'requestPut' in op || ('requestTxn' in op && txnHasPuts(op.requestTxn)));
  return has(r.success) || has(r.failure);
}

function compareNumbers(a: number, b: number): number {
  return a === b ? 0 : a < b ? -1 : 1;
}

function compareKv(c: Compare, kv: KeyValue | undefined): boolean {
  let d: number;
  switch (c.target) {
    case 'VALUE':
      d = compareBytes(kv?.value ?? new Uint8Array(0), c.value ?? new Uint8Array(0));
      break;
    case 'VERSION':
      d = compareNumbers(kv?.version ?? 0, c.version ?? 0);
      break;
    case 'CREATE':
      d = compareNumbers(kv?.createRevision ?? 0, c.createRevision ?? 0);
      break;
    case 'MOD':
      d = compareNumbers(kv?.modRevision ?? 0, c.modRevision ?? 0);
      break;
    case 'LEASE':
      d = compareNumbers(kv?.lease ?? 0, c.lease ?? 0);
      break;
  }
  switch (c.result) {
    case 'EQUAL':
      return d === 0;
    case 'NOT_EQUAL':
      return d !== 0;
    case 'GREATER':
      return d > 0;
    case 'LESS':
      return d < 0;
  }
}

/** etcd's applyCompare: every key of the range must satisfy it; a missing key compares as zero,
 * except that a VALUE compare on missing keys always fails. */
function applyCompare(w: WriteTxn, c: Compare): boolean {
  const view = w.view();
  const { kvs } = rangeKeys(view, {
    iv: keyInterval(c.key, c.rangeEnd),
    at: view.current,
    limit: 0,
    countOnly: false,
  });
  if (kvs.length === 0) return c.target === 'VALUE' ? false : compareKv(c, undefined);
  return kvs.every((kv) => compareKv(c, kv));
}

/** The compare outcomes of a txn in depth-first order, and the position of the next one. */
interface TxnPath {
  readonly steps: readonly boolean[];
  i: number;
}

/**
 * Evaluates every compare the txn will meet, nested ones included, on the state before any write,
 * as etcd's compareToPath does: the chosen branches, in depth-first order.
 */
function txnPath(w: WriteTxn, r: TxnRequest, path: boolean[]): void {
  const succeeded = r.compare.every((c) => applyCompare(w, c));
  path.push(succeeded);
  for (const op of succeeded ? r.success : r.failure) {
    if ('requestTxn' in op) txnPath(w, op.requestTxn, path);
  }
}

/** Checks what the chosen branches need from the state (etcd's checkRequests), before writes. */
function checkBranchState(w: WriteTxn, r: TxnRequest, path: TxnPath): void {
  const succeeded = path.steps[path.i++];
  for (const op of succeeded === true ? r.success : r.failure) {
    if ('requestPut' in op) checkPutState(w, op.requestPut);
    else if ('requestRange' in op) resolveReadRev(w.view(), op.requestRange.revision);
    else if ('requestTxn' in op) checkBranchState(w, op.requestTxn, path);
  }
}

function executeTxn(
  w: WriteTxn,
  r: TxnRequest,
  path: TxnPath,
): { succeeded: boolean; responses: ResponseOp[] } {
  const succeeded = path.steps[path.i++] === true;
  const responses: ResponseOp[] = [];
  for (const op of succeeded ? r.success : r.failure) {
    if ('requestRange' in op) {
      responses.push({ responseRange: range(w.view(), op.requestRange) });
    } else if ('requestPut' in op) {
      responses.push({ responsePut: applyPut(w, op.requestPut) });
    } else if ('requestDeleteRange' in op) {
      responses.push({ responseDeleteRange: applyDeleteRange(w, op.requestDeleteRange) });
    } else {
      const inner = executeTxn(w, op.requestTxn, path);
      responses.push({ responseTxn: { ...inner, revision: 0 } });
    }
  }
  return { succeeded, responses };
}

function withRevision(responses: readonly ResponseOp[], revision: number): ResponseOp[] {
  return responses.map((op): ResponseOp => {
    if ('responseRange' in op) return { responseRange: { ...op.responseRange, revision } };
    if ('responsePut' in op) return { responsePut: { ...op.responsePut, revision } };
    if ('responseDeleteRange' in op) {
      return { responseDeleteRange: { ...op.responseDeleteRange, revision } };
    }
    const t = op.responseTxn;
    return { responseTxn: { ...t, responses: withRevision(t.responses, revision), revision } };
  });
}

/**
 * Applies a checked txn: every compare (nested ones too) is evaluated and the chosen branches'
 * state checks run before any write, as in etcd, so a failing txn changes nothing. Every response
 * carries the txn's revision.
 * @throws MvccError LEASE_NOT_FOUND, KEY_NOT_FOUND, COMPACTED, FUTURE_REV
 */
export function applyTxn(w: WriteTxn, r: TxnRequest): TxnResponse {
  const steps: boolean[] = [];
  txnPath(w, r, steps);
  checkBranchState(w, r, { steps, i: 0 });
  const { succeeded, responses } = executeTxn(w, r, { steps, i: 0 });
  const revision = w.view().current;
  return { succeeded, responses: withRevision(responses, revision), revision };
}
