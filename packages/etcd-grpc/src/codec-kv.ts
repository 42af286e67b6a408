// The KV service's messages at the protobuf edge: decoded protobufjs messages to kv-mvcc's
// request types (with etcd's request checks), and kv-mvcc's responses to plain objects that
// protobufjs encodes. Enums travel as numbers on the wire and as etcd's names inside Keel.
import { EtcdGrpcError } from './errors.js';
import { int64ToNumber, type Int64Field } from './int64.js';
import type {
  Compare,
  CompareResult,
  CompareTarget,
  DeleteRangeRequest,
  DeleteRangeResponse,
  KeyValue,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  RequestOp,
  ResponseOp,
  SortOrder,
  SortTarget,
  TxnRequest,
  TxnResponse,
} from '@keel/kv-mvcc';
import type { EtcdBackend, ResponseHeaderInfo } from './backend.js';

/**
 * A decoded protobuf bytes field: a Uint8Array when present on the wire, protobufjs's shared
 * empty array when absent.
 */
export type PbBytes = Uint8Array | readonly number[];

/** A decoded etcdserverpb.RangeRequest (protobufjs camelCase, 64-bit fields as Long). */
export interface PbRangeRequest {
  key: PbBytes;
  rangeEnd: PbBytes;
  limit: Int64Field;
  revision: Int64Field;
  sortOrder: number;
  sortTarget: number;
  serializable: boolean;
  keysOnly: boolean;
  countOnly: boolean;
  minModRevision: Int64Field;
  maxModRevision: Int64Field;
  minCreateRevision: Int64Field;
  maxCreateRevision: Int64Field;
}

/** A decoded etcdserverpb.PutRequest. */
export interface PbPutRequest {
  key: PbBytes;
  value: PbBytes;
  lease: Int64Field;
  prevKv: boolean;
  ignoreValue: boolean;
  ignoreLease: boolean;
}

/** A decoded etcdserverpb.DeleteRangeRequest. */
export interface PbDeleteRangeRequest {
  key: PbBytes;
  rangeEnd: PbBytes;
  prevKv: boolean;
}

/** A decoded etcdserverpb.Compare. */
export interface PbCompare {
  result: number;
  target: number;
  key: PbBytes;
  rangeEnd: PbBytes;
  targetUnion?: string;
  version?: Int64Field;
  createRevision?: Int64Field;
  modRevision?: Int64Field;
  value?: PbBytes;
  lease?: Int64Field;
}

/** A decoded etcdserverpb.RequestOp. */
export interface PbRequestOp {
  request?: string;
  requestRange?: PbRangeRequest | null;
  requestPut?: PbPutRequest | null;
  requestDeleteRange?: PbDeleteRangeRequest | null;
  requestTxn?: PbTxnRequest | null;
}

/** A decoded etcdserverpb.TxnRequest. */
export interface PbTxnRequest {
  compare: PbCompare[];
  success: PbRequestOp[];
  failure: PbRequestOp[];
}

const sortOrders: readonly SortOrder[] = ['NONE', 'ASCEND', 'DESCEND'];
const sortTargets: readonly SortTarget[] = ['KEY', 'VERSION', 'CREATE', 'MOD', 'VALUE'];
const compareResults: readonly CompareResult[] = ['EQUAL', 'GREATER', 'LESS', 'NOT_EQUAL'];
const compareTargets: readonly CompareTarget[] = ['VERSION', 'CREATE', 'MOD', 'VALUE', 'LEASE'];

/** The enum name for wire value `n`, or INVALID_ARGUMENT naming `field`. */
function enumName<T>(names: readonly T[], n: number, field: string): T {
  const name = names[n];
  if (name === undefined) {
    throw new EtcdGrpcError({
      code: 'INVALID_ARGUMENT',
      message: `etcdserver: unknown ${field} ${n}`,
    });
  }
  return name;
}

/** A sort enum's name, or etcd's "invalid sort option". */
function sortOption<T>(names: readonly T[], n: number): T {
  const name = names[n];
  if (name === undefined) throw new EtcdGrpcError({ code: 'INVALID_SORT_OPTION' });
  return name;
}

const emptyBytes = new Uint8Array(0);

/**
 * A decoded bytes field as a Uint8Array. protobufjs leaves an absent bytes field at its
 * prototype default, a plain empty array, which is not a Uint8Array; kv-mvcc needs one.
 */
export function bytesOf(b: PbBytes | null | undefined): Uint8Array {
  return b instanceof Uint8Array ? b : emptyBytes;
}

function requireKey(key: Uint8Array): Uint8Array {
  if (key.length === 0) throw new EtcdGrpcError({ code: 'EMPTY_KEY' });
  return key;
}

/** An empty range end means "the key alone"; kv-mvcc takes that as an absent rangeEnd. */
function optionalBytes(b: PbBytes): Uint8Array | undefined {
  return b.length === 0 ? undefined : bytesOf(b);
}

/** etcdserverpb.RangeRequest to kv-mvcc, with etcd's check (a key is required). */
export function decodeRangeRequest(pb: PbRangeRequest): RangeRequest {
  return {
    key: requireKey(bytesOf(pb.key)),
    rangeEnd: optionalBytes(pb.rangeEnd),
    limit: int64ToNumber(pb.limit, 'limit'),
    revision: int64ToNumber(pb.revision, 'revision'),
    sortOrder: sortOption(sortOrders, pb.sortOrder),
    sortTarget: sortOption(sortTargets, pb.sortTarget),
    serializable: pb.serializable,
    keysOnly: pb.keysOnly,
    countOnly: pb.countOnly,
    minModRevision: int64ToNumber(pb.minModRevision, 'min_mod_revision'),
    maxModRevision: int64ToNumber(pb.maxModRevision, 'max_mod_revision'),
    minCreateRevision: int64ToNumber(pb.minCreateRevision, 'min_create_revision'),
    maxCreateRevision: int64ToNumber(pb.maxCreateRevision, 'max_create_revision'),
  };
}

/** etcdserverpb.PutRequest to kv-mvcc, with etcd's checks on key, ignore_value, ignore_lease. */
export function decodePutRequest(pb: PbPutRequest): PutRequest {
  const key = requireKey(bytesOf(pb.key));
  const value = bytesOf(pb.value);
  const lease = int64ToNumber(pb.lease, 'lease');
  if (pb.ignoreValue && value.length !== 0) throw new EtcdGrpcError({ code: 'VALUE_PROVIDED' });
  if (pb.ignoreLease && lease !== 0) throw new EtcdGrpcError({ code: 'LEASE_PROVIDED' });
  return {
    key,
    value,
    lease,
    prevKv: pb.prevKv,
    ignoreValue: pb.ignoreValue,
    ignoreLease: pb.ignoreLease,
  };
}

/** etcdserverpb.DeleteRangeRequest to kv-mvcc (a key is required). */
export function decodeDeleteRangeRequest(pb: PbDeleteRangeRequest): DeleteRangeRequest {
  const key = requireKey(bytesOf(pb.key));
  return { key, rangeEnd: optionalBytes(pb.rangeEnd), prevKv: pb.prevKv };
}

function decodeCompare(pb: PbCompare): Compare {
  const target = enumName(compareTargets, pb.target, 'compare target');
  const base = {
    result: enumName(compareResults, pb.result, 'compare result'),
    target,
    key: bytesOf(pb.key),
    rangeEnd: optionalBytes(pb.rangeEnd),
  };
  // Only the member of target_union that matches `target` is read, as etcd does.
  switch (target) {
    case 'VERSION':
      return { ...base, version: int64ToNumber(pb.version, 'compare version') };
    case 'CREATE':
      return { ...base, createRevision: int64ToNumber(pb.createRevision, 'create_revision') };
    case 'MOD':
      return { ...base, modRevision: int64ToNumber(pb.modRevision, 'mod_revision') };
    case 'VALUE':
      return { ...base, value: bytesOf(pb.value) };
    case 'LEASE':
      return { ...base, lease: int64ToNumber(pb.lease, 'compare lease') };
  }
}

function decodeRequestOp(pb: PbRequestOp, txnOpsMax: number): RequestOp {
  if (pb.requestRange) return { requestRange: decodeRangeRequest(pb.requestRange) };
  if (pb.requestPut) return { requestPut: decodePutRequest(pb.requestPut) };
  if (pb.requestDeleteRange) {
    return { requestDeleteRange: decodeDeleteRangeRequest(pb.requestDeleteRange) };
  }
  if (pb.requestTxn) return { requestTxn: decodeTxnRequest(pb.requestTxn, txnOpsMax) };
  // etcd rejects a RequestOp with no member set as an empty key.
  throw new EtcdGrpcError({ code: 'EMPTY_KEY' });
}

/**
 * etcdserverpb.TxnRequest to kv-mvcc, with etcd's check that neither the compare list nor a
 * branch holds more than `txnOpsMax` entries (nested txns are checked the same way).
 */
export function decodeTxnRequest(pb: PbTxnRequest, txnOpsMax: number): TxnRequest {
  const { compare, success, failure } = pb;
  if (compare.length > txnOpsMax || success.length > txnOpsMax || failure.length > txnOpsMax) {
    throw new EtcdGrpcError({ code: 'TOO_MANY_OPS' });
  }
  return {
    compare: compare.map(decodeCompare),
    success: success.map((op) => decodeRequestOp(op, txnOpsMax)),
    failure: failure.map((op) => decodeRequestOp(op, txnOpsMax)),
  };
}

/** A response header as protobufjs encodes it. */
export function encodeHeader(h: ResponseHeaderInfo): object {
  return {
    clusterId: h.clusterId,
    memberId: h.memberId,
    revision: h.revision,
    raftTerm: h.raftTerm,
  };
}

/**
 * The header for a reply that reflects store revision `revision` (from a kv-mvcc response), or
 * the backend's current revision when none is given.
 */
export function headerOf(backend: Pick<EtcdBackend, 'header'>, revision?: number): object {
  const h = backend.header();
  return encodeHeader(revision === undefined ? h : { ...h, revision });
}

/** mvccpb.KeyValue as protobufjs encodes it (zero fields left out, as etcd's encoder does). */
export function encodeKeyValue(kv: KeyValue): object {
  const out: Record<string, unknown> = { key: kv.key };
  if (kv.createRevision !== 0) out['createRevision'] = kv.createRevision;
  if (kv.modRevision !== 0) out['modRevision'] = kv.modRevision;
  if (kv.version !== 0) out['version'] = kv.version;
  if (kv.value.length !== 0) out['value'] = kv.value;
  if (kv.lease !== 0) out['lease'] = kv.lease;
  return out;
}

/** RangeResponse body (no header). */
export function encodeRangeResponse(r: RangeResponse): object {
  return { kvs: r.kvs.map(encodeKeyValue), more: r.more, count: r.count };
}

/** PutResponse body (no header). */
export function encodePutResponse(r: PutResponse): object {
  return r.prevKv === undefined ? {} : { prevKv: encodeKeyValue(r.prevKv) };
}

/** DeleteRangeResponse body (no header). */
export function encodeDeleteRangeResponse(r: DeleteRangeResponse): object {
  return { deleted: r.deleted, prevKvs: r.prevKvs.map(encodeKeyValue) };
}

function encodeResponseOp(op: ResponseOp): object {
  if ('responseRange' in op) return { responseRange: encodeRangeResponse(op.responseRange) };
  if ('responsePut' in op) return { responsePut: encodePutResponse(op.responsePut) };
  if ('responseDeleteRange' in op) {
    return { responseDeleteRange: encodeDeleteRangeResponse(op.responseDeleteRange) };
  }
  return { responseTxn: encodeTxnResponse(op.responseTxn) };
}

/** TxnResponse body (no header); nested responses carry no header, as in etcd. */
export function encodeTxnResponse(r: TxnResponse): object {
  return { succeeded: r.succeeded, responses: r.responses.map(encodeResponseOp) };
}
