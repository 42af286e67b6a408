// The request and response types of the store. They mirror etcd's protobuf messages
// (api/etcdserverpb/rpc.proto, api/mvccpb/kv.proto) field by field in camelCase, with these
// conventions shared with etcd-grpc, which maps protobuf to them:
// - keys and values are `Uint8Array`;
// - revisions, versions, lease IDs, TTLs, counts and limits are JS numbers (safe integers; etcd's
//   int64 values beyond 2^53-1 are refused at the gRPC edge);
// - enums are string unions of etcd's names;
// - a response carries the store revision it saw (`revision`); the gRPC layer adds the cluster ID,
//   member ID and Raft term to build etcd's ResponseHeader.
// An optional field left `undefined` means what the protobuf zero value means in etcd.
import type { MvccError } from './errors.js';

/** etcd's sort order for Range (RangeRequest.SortOrder). */
export type SortOrder = 'NONE' | 'ASCEND' | 'DESCEND';
/** etcd's sort target for Range (RangeRequest.SortTarget). */
export type SortTarget = 'KEY' | 'VERSION' | 'CREATE' | 'MOD' | 'VALUE';
/** etcd's comparison result for a txn compare (Compare.CompareResult). */
export type CompareResult = 'EQUAL' | 'GREATER' | 'LESS' | 'NOT_EQUAL';
/** etcd's comparison target for a txn compare (Compare.CompareTarget). */
export type CompareTarget = 'VERSION' | 'CREATE' | 'MOD' | 'VALUE' | 'LEASE';
/** etcd's watch filter (WatchCreateRequest.FilterType): drop put or delete events. */
export type WatchFilter = 'NOPUT' | 'NODELETE';
/** etcd's alarm types (AlarmType); only NOSPACE is raised by this store. */
export type AlarmType = 'NONE' | 'NOSPACE' | 'CORRUPT';
/** etcd's alarm actions (AlarmRequest.AlarmAction). */
export type AlarmAction = 'GET' | 'ACTIVATE' | 'DEACTIVATE';

/**
 * A key-value pair as stored (mvccpb.KeyValue). `createRevision` is the revision of the put that
 * created the key's current generation, `modRevision` that of its last change, `version` counts
 * the puts in the generation (1 after creation; a delete resets it to 0), `lease` is 0 for none.
 */
export interface KeyValue {
  readonly key: Uint8Array;
  readonly createRevision: number;
  readonly modRevision: number;
  readonly version: number;
  readonly value: Uint8Array;
  readonly lease: number;
}

/**
 * A change (mvccpb.Event). For a DELETE, `kv` holds the key and the deletion's `modRevision`, with
 * every other field zero, as etcd's tombstones do. `prevKv` is set when the watch asked for it and
 * the key existed before.
 */
export interface Event {
  readonly type: 'PUT' | 'DELETE';
  readonly kv: KeyValue;
  readonly prevKv?: KeyValue | undefined;
}

/**
 * etcdserverpb.RangeRequest. `rangeEnd` undefined or empty: the one key `key`; `[0]` (a single
 * zero byte): every key >= `key`; otherwise `[key, rangeEnd)`. `key` = `[0]` with `rangeEnd` =
 * `[0]` means all keys. `revision` 0 or undefined reads the current revision. `limit` 0 means no
 * limit. `serializable` is for the gRPC layer (linearizable vs local read); the store ignores it.
 */
export interface RangeRequest {
  readonly key: Uint8Array;
  readonly rangeEnd?: Uint8Array | undefined;
  readonly limit?: number | undefined;
  readonly revision?: number | undefined;
  readonly sortOrder?: SortOrder | undefined;
  readonly sortTarget?: SortTarget | undefined;
  readonly serializable?: boolean | undefined;
  readonly keysOnly?: boolean | undefined;
  readonly countOnly?: boolean | undefined;
  readonly minModRevision?: number | undefined;
  readonly maxModRevision?: number | undefined;
  readonly minCreateRevision?: number | undefined;
  readonly maxCreateRevision?: number | undefined;
}

/**
 * etcdserverpb.RangeResponse. `count` is the number of keys in the range at the revision (before
 * `limit`, after the min/max filters as etcd applies them); `more` is true when `limit` cut it.
 * `revision` is the store's current revision when the range was served (etcd's header revision).
 */
export interface RangeResponse {
  readonly kvs: readonly KeyValue[];
  readonly more: boolean;
  readonly count: number;
  readonly revision: number;
}

/** etcdserverpb.PutRequest. `lease` 0 or undefined: no lease. */
export interface PutRequest {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
  readonly lease?: number | undefined;
  readonly prevKv?: boolean | undefined;
  readonly ignoreValue?: boolean | undefined;
  readonly ignoreLease?: boolean | undefined;
}

/** etcdserverpb.PutResponse; `revision` is the revision the put created. */
export interface PutResponse {
  readonly prevKv?: KeyValue | undefined;
  readonly revision: number;
}

/** etcdserverpb.DeleteRangeRequest, with Range's `key`/`rangeEnd` conventions. */
export interface DeleteRangeRequest {
  readonly key: Uint8Array;
  readonly rangeEnd?: Uint8Array | undefined;
  readonly prevKv?: boolean | undefined;
}

/**
 * etcdserverpb.DeleteRangeResponse. Deleting nothing creates no revision: `revision` is then the
 * unchanged current revision.
 */
export interface DeleteRangeResponse {
  readonly deleted: number;
  readonly prevKvs: readonly KeyValue[];
  readonly revision: number;
}

/**
 * etcdserverpb.Compare: the field named by `target` holds the operand (`version` for VERSION,
 * `createRevision` for CREATE, `modRevision` for MOD, `value` for VALUE, `lease` for LEASE); an
 * unset operand compares as 0 (or the empty value). With `rangeEnd`, every key in the range must
 * satisfy it; a missing key compares with zero fields (so VERSION EQUAL 0 tests absence).
 */
export interface Compare {
  readonly result: CompareResult;
  readonly target: CompareTarget;
  readonly key: Uint8Array;
  readonly rangeEnd?: Uint8Array | undefined;
  readonly version?: number | undefined;
  readonly createRevision?: number | undefined;
  readonly modRevision?: number | undefined;
  readonly value?: Uint8Array | undefined;
  readonly lease?: number | undefined;
}

/** etcdserverpb.RequestOp: exactly one of its four members. */
export type RequestOp =
  | { readonly requestRange: RangeRequest }
  | { readonly requestPut: PutRequest }
  | { readonly requestDeleteRange: DeleteRangeRequest }
  | { readonly requestTxn: TxnRequest };

/** etcdserverpb.ResponseOp: exactly one of its four members, matching the RequestOp. */
export type ResponseOp =
  | { readonly responseRange: RangeResponse }
  | { readonly responsePut: PutResponse }
  | { readonly responseDeleteRange: DeleteRangeResponse }
  | { readonly responseTxn: TxnResponse };

/**
 * etcdserverpb.TxnRequest: if every compare holds, `success` runs, else `failure`. All writes of
 * the txn (nested txns included) share one revision; reads inside it see earlier writes of the
 * same txn.
 */
export interface TxnRequest {
  readonly compare: readonly Compare[];
  readonly success: readonly RequestOp[];
  readonly failure: readonly RequestOp[];
}

/** etcdserverpb.TxnResponse; `revision` is the revision after the txn. */
export interface TxnResponse {
  readonly succeeded: boolean;
  readonly responses: readonly ResponseOp[];
  readonly revision: number;
}

/**
 * etcdserverpb.CompactionRequest. `physical` asks the caller to wait until old revisions are
 * removed from disk; the store records it and removes them in bounded batches either way.
 */
export interface CompactionRequest {
  readonly revision: number;
  readonly physical?: boolean | undefined;
}

/** etcdserverpb.CompactionResponse; `revision` is the current revision. */
export interface CompactionResponse {
  readonly revision: number;
}

/** etcdserverpb.HashKVRequest: 0 or undefined hashes up to the current revision. */
export interface HashKVRequest {
  readonly revision?: number | undefined;
}

/**
 * etcdserverpb.HashKVResponse. `hash` is a 32-bit unsigned hash of every key-value revision in
 * `(compactRevision, hashRevision]` plus what compaction kept; stores with the same history
 * return the same hash.
 */
export interface HashKVResponse {
  readonly hash: number;
  readonly compactRevision: number;
  readonly hashRevision: number;
  readonly revision: number;
}

/**
 * etcdserverpb.WatchCreateRequest. `startRevision` 0 or undefined: from the next revision.
 * `watchId` 0 or undefined: the store assigns one. `fragment` is for the gRPC layer.
 */
export interface WatchCreateRequest {
  readonly key: Uint8Array;
  readonly rangeEnd?: Uint8Array | undefined;
  readonly startRevision?: number | undefined;
  readonly progressNotify?: boolean | undefined;
  readonly filters?: readonly WatchFilter[] | undefined;
  readonly prevKv?: boolean | undefined;
  readonly watchId?: number | undefined;
  readonly fragment?: boolean | undefined;
}

/**
 * etcdserverpb.WatchResponse. A response with `canceled` and `compactRevision` > 0 means the
 * watch's start revision was compacted; events are in revision order and never skipped.
 * `revision` is the store revision the response reflects (for a progress notification, every
 * event up to it has been sent).
 */
export interface WatchResponse {
  readonly watchId: number;
  readonly created: boolean;
  readonly canceled: boolean;
  readonly compactRevision: number;
  readonly cancelReason: string;
  readonly fragment: boolean;
  readonly events: readonly Event[];
  readonly revision: number;
}

/** etcdserverpb.LeaseGrantRequest: `TTL` in seconds; `ID` 0 or undefined lets the store choose. */
export interface LeaseGrantRequest {
  readonly TTL: number;
  readonly ID?: number | undefined;
}

/** etcdserverpb.LeaseGrantResponse (etcd's `error` string is replaced by thrown errors). */
export interface LeaseGrantResponse {
  readonly ID: number;
  readonly TTL: number;
  readonly revision: number;
}

/** etcdserverpb.LeaseRevokeRequest. */
export interface LeaseRevokeRequest {
  readonly ID: number;
}

/** etcdserverpb.LeaseRevokeResponse; `revision` is after the attached keys were deleted. */
export interface LeaseRevokeResponse {
  readonly revision: number;
}

/**
 * etcdserverpb.LeaseCheckpoint: the remaining TTL of a lease, recorded through the log by the
 * leader so that a new leader does not restart the lease's full TTL.
 */
export interface LeaseCheckpoint {
  readonly ID: number;
  readonly remainingTTL: number;
}

/** etcdserverpb.LeaseCheckpointRequest. */
export interface LeaseCheckpointRequest {
  readonly checkpoints: readonly LeaseCheckpoint[];
}

/** etcdserverpb.LeaseCheckpointResponse. */
export interface LeaseCheckpointResponse {
  readonly revision: number;
}

/** etcdserverpb.LeaseKeepAliveRequest (a renewal; the caller owns the clock). */
export interface LeaseKeepAliveRequest {
  readonly ID: number;
}

/** etcdserverpb.LeaseKeepAliveResponse: `TTL` is the granted TTL the lease restarts with. */
export interface LeaseKeepAliveResponse {
  readonly ID: number;
  readonly TTL: number;
  readonly revision: number;
}

/** etcdserverpb.LeaseTimeToLiveRequest. */
export interface LeaseTimeToLiveRequest {
  readonly ID: number;
  readonly keys?: boolean | undefined;
}

/**
 * etcdserverpb.LeaseTimeToLiveResponse. The store has no clock: `TTL` is the last checkpointed
 * remaining TTL (or `grantedTTL` when none was recorded); the caller that owns the expiry clock
 * may report a smaller one. `keys` are sorted and set only when asked for.
 */
export interface LeaseTimeToLiveResponse {
  readonly ID: number;
  readonly TTL: number;
  readonly grantedTTL: number;
  readonly keys: readonly Uint8Array[];
  readonly revision: number;
}

/** etcdserverpb.LeaseStatus. */
export interface LeaseStatus {
  readonly ID: number;
}

/** etcdserverpb.LeaseLeasesResponse, leases sorted by ID. */
export interface LeaseLeasesResponse {
  readonly leases: readonly LeaseStatus[];
  readonly revision: number;
}

/** etcdserverpb.AlarmRequest; `memberID` 0 means every member. */
export interface AlarmRequest {
  readonly action: AlarmAction;
  readonly memberID: number;
  readonly alarm: AlarmType;
}

/** etcdserverpb.AlarmMember. */
export interface AlarmMember {
  readonly memberID: number;
  readonly alarm: AlarmType;
}

/** etcdserverpb.AlarmResponse: the alarms raised after the request. */
export interface AlarmResponse {
  readonly alarms: readonly AlarmMember[];
  readonly revision: number;
}

/**
 * One request that changes replicated state, as embed decodes it from a committed Raft entry
 * (etcd's InternalRaftRequest, for the members the store handles). Exactly one member is set.
 * Ranges are included so linearizable reads can go through the log as in etcd.
 */
export type ApplyRequest =
  | { readonly range: RangeRequest }
  | { readonly put: PutRequest }
  | { readonly deleteRange: DeleteRangeRequest }
  | { readonly txn: TxnRequest }
  | { readonly compaction: CompactionRequest }
  | { readonly leaseGrant: LeaseGrantRequest }
  | { readonly leaseRevoke: LeaseRevokeRequest }
  | { readonly leaseCheckpoint: LeaseCheckpointRequest }
  | { readonly alarm: AlarmRequest };

/** The response to an `ApplyRequest`, with the member of the same name. */
export type ApplyResponse =
  | { readonly range: RangeResponse }
  | { readonly put: PutResponse }
  | { readonly deleteRange: DeleteRangeResponse }
  | { readonly txn: TxnResponse }
  | { readonly compaction: CompactionResponse }
  | { readonly leaseGrant: LeaseGrantResponse }
  | { readonly leaseRevoke: LeaseRevokeResponse }
  | { readonly leaseCheckpoint: LeaseCheckpointResponse }
  | { readonly alarm: AlarmResponse };

/** One committed request and its Raft log index (etcd's consistent index); indexes increase. */
export interface ApplyEntry {
  readonly index: number;
  readonly request: ApplyRequest;
}

/**
 * The outcome of one applied entry: its response, or the typed error it failed with (an error is
 * a deterministic outcome too: every member fails the same request the same way, and the failed
 * request changes nothing), or `skipped` when its index was at or below the consistent index
 * (applied before a restart).
 */
export type ApplyResult =
  | { readonly index: number; readonly response: ApplyResponse }
  | { readonly index: number; readonly error: MvccError }
  | { readonly index: number; readonly skipped: true };
