// Goal: txns follow etcd: compares on every target and result over keys and ranges, branches,
// nested txns at one revision, reads seeing the txn's own writes, and the duplicate-key rules.
// Method: a real store in a temporary directory.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enc, openTestStore, show, type TestStore } from '../test/helpers.js';
import type { Compare, RequestOp, TxnRequest, TxnResponse } from './types.js';

let t: TestStore;
beforeEach(() => {
  t = openTestStore();
});
afterEach(async () => {
  await t.dispose();
});

const putOp = (k: string, v: string): RequestOp => ({ requestPut: { key: enc(k), value: enc(v) } });
const txn = (r: Partial<TxnRequest>): TxnResponse => {
  const res = t.do1({ txn: { compare: [], success: [], failure: [], ...r } });
  if (!('txn' in res)) throw new Error('not a txn response');
  return res.txn;
};
const holds = (c: Omit<Compare, 'key'> & { key?: Uint8Array }): boolean =>
  txn({ compare: [{ key: enc('a'), ...c }] }).succeeded;

describe('txn', () => {
  it('compares version, create, mod, value and lease with every result', () => {
    t.do1({ leaseGrant: { TTL: 5, ID: 3 } });
    t.do1({ put: { key: enc('x'), value: enc('0') } });
    t.do1({ put: { key: enc('a'), value: enc('m'), lease: 3 } });
    t.do1({ put: { key: enc('a'), value: enc('n'), lease: 3 } });
    expect(holds({ target: 'VERSION', result: 'EQUAL', version: 2 })).toBe(true);
    expect(holds({ target: 'VERSION', result: 'GREATER', version: 1 })).toBe(true);
    expect(holds({ target: 'CREATE', result: 'EQUAL', createRevision: 3 })).toBe(true);
    expect(holds({ target: 'CREATE', result: 'LESS', createRevision: 3 })).toBe(false);
    expect(holds({ target: 'MOD', result: 'EQUAL', modRevision: 4 })).toBe(true);
    expect(holds({ target: 'MOD', result: 'NOT_EQUAL', modRevision: 4 })).toBe(false);
    expect(holds({ target: 'VALUE', result: 'EQUAL', value: enc('n') })).toBe(true);
    expect(holds({ target: 'VALUE', result: 'GREATER', value: enc('m') })).toBe(true);
    expect(holds({ target: 'VALUE', result: 'LESS', value: enc('m') })).toBe(false);
    expect(holds({ target: 'LEASE', result: 'EQUAL', lease: 3 })).toBe(true);
  });

  it('compares a missing key as zero, but a VALUE compare on it always fails', () => {
    const missing = { key: enc('nope') };
    expect(holds({ ...missing, target: 'VERSION', result: 'EQUAL', version: 0 })).toBe(true);
    expect(holds({ ...missing, target: 'CREATE', result: 'EQUAL' })).toBe(true);
    expect(holds({ ...missing, target: 'VALUE', result: 'EQUAL', value: new Uint8Array(0) })).toBe(
      false,
    );
    expect(holds({ ...missing, target: 'VALUE', result: 'NOT_EQUAL', value: enc('v') })).toBe(
      false,
    );
  });

  it('compares every key of a range', () => {
    t.do1({ put: { key: enc('k1'), value: enc('1') } });
    t.do1({ put: { key: enc('k2'), value: enc('1') } });
    const over = { key: enc('k'), rangeEnd: enc('l') };
    expect(holds({ ...over, target: 'VALUE', result: 'EQUAL', value: enc('1') })).toBe(true);
    t.do1({ put: { key: enc('k3'), value: enc('2') } });
    expect(holds({ ...over, target: 'VALUE', result: 'EQUAL', value: enc('1') })).toBe(false);
    expect(holds({ ...over, target: 'VERSION', result: 'EQUAL', version: 1 })).toBe(true);
  });

  it('runs the failure branch when a compare fails, and writes at one revision', () => {
    t.do1({ put: { key: enc('a'), value: enc('1') } });
    const r = txn({
      compare: [{ key: enc('a'), target: 'VALUE', result: 'EQUAL', value: enc('2') }],
      success: [putOp('s', '1')],
      failure: [putOp('f1', '1'), putOp('f2', '1'), { requestDeleteRange: { key: enc('a') } }],
    });
    expect([r.succeeded, r.revision, t.store.revision]).toEqual([false, 3, 3]);
    const kvs = t.store.range({ key: enc('a'), rangeEnd: enc('z') }).kvs.map(show);
    expect(kvs).toEqual(['f1=1 c3 m3 v1 l0', 'f2=1 c3 m3 v1 l0']);
  });

  it('lets reads see earlier writes, evaluates nested compares before any write, as etcd', () => {
    const r = txn({
      success: [
        putOp('a', '1'),
        { requestRange: { key: enc('a') } },
        {
          requestTxn: {
            // etcd's compareToPath: nested compares see the state before the txn (a absent).
            compare: [{ key: enc('a'), target: 'VERSION', result: 'EQUAL', version: 0 }],
            success: [putOp('b', '1')],
            failure: [putOp('c', '1')],
          },
        },
      ],
    });
    expect(r.revision).toBe(2); // the first write of an empty store, as etcd
    const [, rangeOp, txnOp] = r.responses;
    expect(rangeOp && 'responseRange' in rangeOp && rangeOp.responseRange.kvs.map(show)).toEqual([
      'a=1 c2 m2 v1 l0',
    ]);
    expect(
      txnOp && 'responseTxn' in txnOp && [txnOp.responseTxn.succeeded, txnOp.responseTxn.revision],
    ).toEqual([true, 2]);
    expect(t.store.range({ key: enc('b') }).kvs.map(show)).toEqual(['b=1 c2 m2 v1 l0']);
  });

  it('makes no revision for a read-only txn', () => {
    t.do1({ put: { key: enc('a'), value: enc('1') } });
    const r = txn({ success: [{ requestRange: { key: enc('a') } }] });
    expect([r.revision, t.store.revision]).toEqual([2, 2]);
  });

  it('refuses duplicate keys as etcd does, and allows the same key in then and else', () => {
    const dup = (success: RequestOp[]): string => {
      const [res] = t.apply({ txn: { compare: [], success, failure: [] } });
      return res !== undefined && 'error' in res ? res.error.code : 'ok';
    };
    expect(dup([putOp('a', '1'), putOp('a', '2')])).toBe('DUPLICATE_KEY');
    expect(
      dup([putOp('b', '1'), { requestDeleteRange: { key: enc('a'), rangeEnd: enc('c') } }]),
    ).toBe('DUPLICATE_KEY');
    const nested = (success: RequestOp[], failure: RequestOp[]): RequestOp => ({
      requestTxn: { compare: [], success, failure },
    });
    expect(dup([putOp('a', '1'), nested([putOp('a', '2')], [])])).toBe('DUPLICATE_KEY');
    expect(dup([nested([putOp('a', '1')], [putOp('a', '2')])])).toBe('ok');
    expect(
      dup([{ requestDeleteRange: { key: enc('a') } }, { requestDeleteRange: { key: enc('a') } }]),
    ).toBe('ok');
    expect(t.store.revision).toBe(3);
  });
});
