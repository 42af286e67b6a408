// Goal: every MvccError code is raised by the condition etcd raises it for. Method: one case per
// code against a real store; the last test checks that the table covers every code.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MvccStore } from '../src/store.js';
import { storeFormat } from '../src/tables.js';
import { isMvccError, mvccErrorCodes, type MvccErrorCode } from '../src/errors.js';
import type { ApplyRequest, RequestOp, SortOrder } from '../src/types.js';
import { enc, openTestStore, setStoreFormat, tempDir, type TestStore } from './helpers.js';

let t: TestStore;
beforeEach(() => {
  t = openTestStore({ maxTxnOps: 4 });
  t.do1({ put: { key: enc('a'), value: enc('1') } });
  t.do1({ put: { key: enc('a'), value: enc('2') } });
  t.do1({ leaseGrant: { TTL: 10, ID: 5 } });
});
afterEach(async () => {
  await t.dispose();
});

/** The code of the error `f` throws, or of the error its apply result carries. */
async function codeOf(f: () => unknown): Promise<string> {
  try {
    const r = await f();
    const first: unknown = Array.isArray(r) ? r[0] : undefined;
    if (typeof first === 'object' && first !== null && 'error' in first) {
      const e: unknown = first.error;
      return isMvccError(e) ? e.code : 'not an MvccError';
    }
    return 'no error';
  } catch (e) {
    return isMvccError(e) ? e.code : `other: ${String(e)}`;
  }
}

const put = (extra: object): ApplyRequest => ({
  put: { key: enc('a'), value: enc('v'), ...extra },
});
const putOp = (k: string): RequestOp => ({ requestPut: { key: enc(k), value: enc('v') } });

const cases: Record<MvccErrorCode, () => unknown> = {
  COMPACTED: () => {
    t.do1({ compaction: { revision: 2 } });
    return t.store.range({ key: enc('a'), revision: 1 });
  },
  FUTURE_REV: () => t.store.range({ key: enc('a'), revision: 4 }), // two puts: current is 3
  EMPTY_KEY: () => t.apply({ put: { key: new Uint8Array(0), value: enc('v') } }),
  KEY_NOT_FOUND: () =>
    t.apply({ put: { key: enc('nope'), value: new Uint8Array(0), ignoreValue: true } }),
  VALUE_PROVIDED: () => t.apply(put({ ignoreValue: true })),
  LEASE_PROVIDED: () => t.apply(put({ ignoreLease: true, lease: 5 })),
  TOO_MANY_OPS: () =>
    t.apply({ txn: { compare: [], success: ['a', 'b', 'c', 'd', 'e'].map(putOp), failure: [] } }),
  DUPLICATE_KEY: () =>
    t.apply({ txn: { compare: [], success: [putOp('a'), putOp('a')], failure: [] } }),
  INVALID_SORT_OPTION: () => t.store.range({ key: enc('a'), sortOrder: 'UP' as SortOrder }),
  LEASE_NOT_FOUND: () => t.apply(put({ lease: 99 })),
  LEASE_EXISTS: () => t.apply({ leaseGrant: { TTL: 10, ID: 5 } }),
  LEASE_TTL_TOO_LARGE: () => t.apply({ leaseGrant: { TTL: 9_000_000_001 } }),
  NO_SPACE: () => {
    t.do1({ alarm: { action: 'ACTIVATE', memberID: 0, alarm: 'NOSPACE' } });
    return t.apply(put({}));
  },
  INVALID_ARGUMENT: () => t.store.range({ key: enc('a'), limit: -1 }),
  INDEX_MISMATCH: () =>
    t.store.apply([
      { index: 9, request: put({}) },
      { index: 8, request: put({}) },
    ]),
  SNAPSHOT_INVALID: async () => {
    const { dir, remove } = tempDir();
    try {
      await MvccStore.restore(dir, [Buffer.from('not a snapshot')]);
    } finally {
      remove();
    }
  },
  INVALID_CONFIG: () => MvccStore.open({ path: t.dir, maxTxnOps: 0 }),
  FORMAT_UNSUPPORTED: async () => {
    await t.store.close();
    await setStoreFormat(t.dir, storeFormat + 1);
    return MvccStore.open({ path: t.dir });
  },
  CLOSED: async () => {
    await t.store.close();
    return t.store.range({ key: enc('a') });
  },
};

describe('MvccError codes', () => {
  for (const [code, f] of Object.entries(cases)) {
    it(`raises ${code}`, async () => {
      expect(await codeOf(f)).toBe(code);
    });
  }

  it('has a case for every code', () => {
    expect(Object.keys(cases).sort()).toEqual(Object.keys(mvccErrorCodes).sort());
  });
});
