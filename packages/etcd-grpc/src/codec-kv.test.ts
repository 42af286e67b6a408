// Goal: the KV messages cross the protobuf edge intact and etcd's request checks hold. Method:
// build real protobuf bytes with the schema, decode them as the server does, map them, and for
// responses encode our objects and decode the bytes as a client would.
import { describe, expect, it } from 'vitest';
import type { KeyValue } from '@keel/kv-mvcc';
import {
  decodeDeleteRangeRequest,
  decodePutRequest,
  decodeRangeRequest,
  decodeTxnRequest,
  encodeKeyValue,
  encodeRangeResponse,
  encodeTxnResponse,
  headerOf,
  type PbDeleteRangeRequest,
  type PbPutRequest,
  type PbRangeRequest,
  type PbTxnRequest,
} from './codec-kv.js';
import { isEtcdGrpcError, type EtcdGrpcErrorCode } from './errors.js';
import { messageType } from './proto.js';

const b = (s: string): Buffer => Buffer.from(s);

/** Encodes `obj` as message `name` and decodes it the way the server's deserializer does. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- names the decoded shape at each call
function wire<T>(name: string, obj: Record<string, unknown>): T {
  const type = messageType(`etcdserverpb.${name}`);
  return type.decode(type.encode(type.fromObject(obj)).finish()) as unknown as T;
}

/** Decodes `bytes` as message `name` into a plain object (longs as numbers, enums as names). */
function read(name: string, obj: object): Record<string, unknown> {
  const type = messageType(`etcdserverpb.${name}`);
  const bytes = type.encode(obj).finish();
  return type.toObject(type.decode(bytes), { longs: Number, enums: String, defaults: false });
}

function codeOf(fn: () => unknown): EtcdGrpcErrorCode | undefined {
  try {
    fn();
  } catch (e) {
    if (isEtcdGrpcError(e)) return e.code;
    throw e;
  }
  return undefined;
}

describe('decodeRangeRequest', () => {
  it('maps every field, with enums as etcd names and an empty range end as absent', () => {
    const pb = wire<PbRangeRequest>('RangeRequest', {
      key: b('a'),
      limit: 5,
      revision: 9,
      sortOrder: 'DESCEND',
      sortTarget: 'MOD',
      serializable: true,
      keysOnly: true,
      countOnly: false,
      minModRevision: 2,
      maxCreateRevision: 8,
    });
    expect(decodeRangeRequest(pb)).toEqual({
      key: b('a'),
      rangeEnd: undefined,
      limit: 5,
      revision: 9,
      sortOrder: 'DESCEND',
      sortTarget: 'MOD',
      serializable: true,
      keysOnly: true,
      countOnly: false,
      minModRevision: 2,
      maxModRevision: 0,
      minCreateRevision: 0,
      maxCreateRevision: 8,
    });
    const prefix = wire<PbRangeRequest>('RangeRequest', { key: b('a'), rangeEnd: b('b') });
    expect(decodeRangeRequest(prefix).rangeEnd).toEqual(b('b'));
  });

  it('refuses an empty key (EMPTY_KEY) and an unknown sort order or target', () => {
    expect(codeOf(() => decodeRangeRequest(wire('RangeRequest', {})))).toBe('EMPTY_KEY');
    const order = wire<PbRangeRequest>('RangeRequest', { key: b('a'), sortOrder: 7 });
    expect(codeOf(() => decodeRangeRequest(order))).toBe('INVALID_SORT_OPTION');
    const target = wire<PbRangeRequest>('RangeRequest', { key: b('a'), sortTarget: 9 });
    expect(codeOf(() => decodeRangeRequest(target))).toBe('INVALID_SORT_OPTION');
  });

  it('refuses an unknown compare result with INVALID_ARGUMENT', () => {
    const pb = wire<PbTxnRequest>('TxnRequest', { compare: [{ key: b('a'), result: 9 }] });
    expect(codeOf(() => decodeTxnRequest(pb, 8))).toBe('INVALID_ARGUMENT');
  });
});

describe('decodePutRequest', () => {
  it('maps key, value, lease and flags', () => {
    const pb = wire<PbPutRequest>('PutRequest', {
      key: b('k'),
      value: b('v'),
      lease: 42,
      prevKv: true,
    });
    expect(decodePutRequest(pb)).toEqual({
      key: b('k'),
      value: b('v'),
      lease: 42,
      prevKv: true,
      ignoreValue: false,
      ignoreLease: false,
    });
  });

  it('gives an absent value as an empty Uint8Array (protobufjs leaves a plain array)', () => {
    const pb = wire<PbPutRequest>('PutRequest', { key: b('k') });
    expect(Array.isArray(pb.value)).toBe(true);
    const req = decodePutRequest(pb);
    expect(req.value).toBeInstanceOf(Uint8Array);
    expect(req.value.length).toBe(0);
    const txn = decodeTxnRequest(
      wire('TxnRequest', {
        compare: [{ key: b('k'), target: 'VALUE' }],
        success: [{ requestPut: { key: b('k') } }],
      }),
      8,
    );
    expect(txn.compare[0]?.value).toBeInstanceOf(Uint8Array);
    const op = txn.success[0];
    expect(
      op !== undefined && 'requestPut' in op && op.requestPut.value instanceof Uint8Array,
    ).toBe(true);
  });

  it("applies etcd's checks: EMPTY_KEY, VALUE_PROVIDED, LEASE_PROVIDED", () => {
    expect(codeOf(() => decodePutRequest(wire('PutRequest', { value: b('v') })))).toBe('EMPTY_KEY');
    const withValue = wire<PbPutRequest>('PutRequest', {
      key: b('k'),
      value: b('v'),
      ignoreValue: true,
    });
    expect(codeOf(() => decodePutRequest(withValue))).toBe('VALUE_PROVIDED');
    const withLease = wire<PbPutRequest>('PutRequest', {
      key: b('k'),
      lease: 3,
      ignoreLease: true,
    });
    expect(codeOf(() => decodePutRequest(withLease))).toBe('LEASE_PROVIDED');
    const ok = wire<PbPutRequest>('PutRequest', {
      key: b('k'),
      ignoreValue: true,
      ignoreLease: true,
    });
    expect(decodePutRequest(ok).ignoreValue).toBe(true);
  });
});

describe('decodeDeleteRangeRequest', () => {
  it('maps the range and refuses an empty key', () => {
    const pb = wire<PbDeleteRangeRequest>('DeleteRangeRequest', {
      key: b('a'),
      rangeEnd: Buffer.from([0]),
      prevKv: true,
    });
    expect(decodeDeleteRangeRequest(pb)).toEqual({
      key: b('a'),
      rangeEnd: Buffer.from([0]),
      prevKv: true,
    });
    expect(codeOf(() => decodeDeleteRangeRequest(wire('DeleteRangeRequest', {})))).toBe(
      'EMPTY_KEY',
    );
  });
});

describe('decodeTxnRequest', () => {
  it('maps compares by target and ops of every kind, nested txns included', () => {
    const pb = wire<PbTxnRequest>('TxnRequest', {
      compare: [
        { result: 'EQUAL', target: 'VERSION', key: b('a'), version: 0 },
        { result: 'GREATER', target: 'MOD', key: b('a'), modRevision: 3 },
        { result: 'NOT_EQUAL', target: 'VALUE', key: b('a'), value: b('x') },
        { result: 'LESS', target: 'CREATE', key: b('a'), createRevision: 4, rangeEnd: b('b') },
        { result: 'EQUAL', target: 'LEASE', key: b('a'), lease: 5 },
      ],
      success: [
        { requestPut: { key: b('a'), value: b('1') } },
        { requestTxn: { success: [{ requestDeleteRange: { key: b('c') } }] } },
      ],
      failure: [{ requestRange: { key: b('a') } }],
    });
    const txn = decodeTxnRequest(pb, 128);
    expect(txn.compare.map((c) => [c.result, c.target])).toEqual([
      ['EQUAL', 'VERSION'],
      ['GREATER', 'MOD'],
      ['NOT_EQUAL', 'VALUE'],
      ['LESS', 'CREATE'],
      ['EQUAL', 'LEASE'],
    ]);
    expect(txn.compare[1]?.modRevision).toBe(3);
    expect(txn.compare[2]?.value).toEqual(b('x'));
    expect(txn.compare[3]).toMatchObject({ createRevision: 4, rangeEnd: b('b') });
    expect(txn.compare[4]?.lease).toBe(5);
    expect(txn.success[0]).toEqual({
      requestPut: {
        key: b('a'),
        value: b('1'),
        lease: 0,
        prevKv: false,
        ignoreValue: false,
        ignoreLease: false,
      },
    });
    expect(txn.success[1]).toEqual({
      requestTxn: {
        compare: [],
        success: [{ requestDeleteRange: { key: b('c'), rangeEnd: undefined, prevKv: false } }],
        failure: [],
      },
    });
    expect(Object.keys(txn.failure[0] ?? {})).toEqual(['requestRange']);
  });

  it('refuses more than txnOpsMax ops in a branch, its compares, or a nested txn', () => {
    const ops = (n: number): unknown[] =>
      Array.from({ length: n }, (_, i) => ({ requestPut: { key: b(`k${i}`) } }));
    expect(
      codeOf(() => decodeTxnRequest(wire('TxnRequest', { success: ops(3) }), 3)),
    ).toBeUndefined();
    expect(codeOf(() => decodeTxnRequest(wire('TxnRequest', { success: ops(4) }), 3))).toBe(
      'TOO_MANY_OPS',
    );
    expect(codeOf(() => decodeTxnRequest(wire('TxnRequest', { failure: ops(4) }), 3))).toBe(
      'TOO_MANY_OPS',
    );
    const compares = Array.from({ length: 4 }, () => ({ key: b('a') }));
    expect(codeOf(() => decodeTxnRequest(wire('TxnRequest', { compare: compares }), 3))).toBe(
      'TOO_MANY_OPS',
    );
    const nested = wire<PbTxnRequest>('TxnRequest', {
      success: [{ requestTxn: { success: ops(4) } }],
    });
    expect(codeOf(() => decodeTxnRequest(nested, 3))).toBe('TOO_MANY_OPS');
  });

  it('refuses an op with no request set and an op with an empty key', () => {
    expect(codeOf(() => decodeTxnRequest(wire('TxnRequest', { success: [{}] }), 8))).toBe(
      'EMPTY_KEY',
    );
    const empty = wire<PbTxnRequest>('TxnRequest', {
      success: [{ requestPut: { value: b('v') } }],
    });
    expect(codeOf(() => decodeTxnRequest(empty, 8))).toBe('EMPTY_KEY');
  });
});

describe('response encoding', () => {
  const kv: KeyValue = {
    key: b('k'),
    createRevision: 2,
    modRevision: 9,
    version: 3,
    value: b('v'),
    lease: 2 ** 40,
  };

  it('round-trips a RangeResponse with its header', () => {
    const backend = { header: () => ({ clusterId: 11, memberId: 22, revision: 99, raftTerm: 4 }) };
    const msg = {
      header: headerOf(backend, 9),
      ...encodeRangeResponse({ kvs: [kv], more: true, count: 7, revision: 9 }),
    };
    expect(read('RangeResponse', msg)).toEqual({
      header: { clusterId: 11, memberId: 22, revision: 9, raftTerm: 4 },
      kvs: [
        {
          key: b('k'),
          createRevision: 2,
          modRevision: 9,
          version: 3,
          value: b('v'),
          lease: 2 ** 40,
        },
      ],
      more: true,
      count: 7,
    });
  });

  it('leaves zero fields of a KeyValue off the wire', () => {
    const tombstone = { ...kv, createRevision: 0, version: 0, value: new Uint8Array(0), lease: 0 };
    expect(encodeKeyValue(tombstone)).toEqual({ key: b('k'), modRevision: 9 });
  });

  it('round-trips a TxnResponse with nested responses of each kind', () => {
    const msg = encodeTxnResponse({
      succeeded: true,
      revision: 9,
      responses: [
        { responsePut: { revision: 9, prevKv: kv } },
        { responseDeleteRange: { deleted: 1, prevKvs: [], revision: 9 } },
        { responseRange: { kvs: [], more: false, count: 0, revision: 9 } },
        { responseTxn: { succeeded: false, responses: [], revision: 9 } },
      ],
    });
    const decoded = read('TxnResponse', msg);
    expect(decoded['succeeded']).toBe(true);
    expect(
      (decoded['responses'] as object[]).map((r) => Object.keys(r).filter((k) => k !== 'response')),
    ).toEqual([['responsePut'], ['responseDeleteRange'], ['responseRange'], ['responseTxn']]);
  });
});
