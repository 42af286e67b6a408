// The interface embed implements so that this package can serve etcd's API. Every method maps
// to one etcd RPC (or one step of a stream); requests and responses are kv-mvcc's camelCase types
// with JS numbers. A kv-mvcc response carries the store `revision` it reflects; this package
// completes etcd's ResponseHeader from `header()` (cluster ID, member ID, Raft term). Expected failures are reported by throwing typed errors: MvccError
// (COMPACTED, FUTURE_REV), EtcdGrpcError (KEY_NOT_FOUND, LEASE_NOT_FOUND, NO_SPACE, MEMBER_* ...),
// or embed's EmbedError (NOT_LEADER, TIMEOUT, STOPPED, OVERLOADED, REQUEST_TOO_LARGE,
// UNSUPPORTED); status.ts turns each into etcd's gRPC status. Anything else reaches the client as gRPC UNKNOWN with its message.
import type {
  AlarmRequest,
  AlarmResponse,
  CompactionRequest,
  CompactionResponse,
  DeleteRangeRequest,
  DeleteRangeResponse,
  HashKVRequest,
  HashKVResponse,
  LeaseGrantRequest,
  LeaseGrantResponse,
  LeaseKeepAliveRequest,
  LeaseKeepAliveResponse,
  LeaseLeasesResponse,
  LeaseRevokeRequest,
  LeaseRevokeResponse,
  LeaseTimeToLiveRequest,
  LeaseTimeToLiveResponse,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  TxnRequest,
  TxnResponse,
  WatchCreateRequest,
  WatchHandle,
  WatchResponse,
} from '@keel/kv-mvcc';

/**
 * What every etcd response header carries. IDs are JS numbers (Keel derives 53-bit member and
 * cluster IDs); `revision` is the store revision the reply reflects.
 */
export interface ResponseHeaderInfo {
  readonly clusterId: number;
  readonly memberId: number;
  readonly revision: number;
  readonly raftTerm: number;
}

/** One member of the cluster (etcdserverpb.Member). */
export interface MemberInfo {
  readonly id: number;
  readonly name: string;
  readonly peerUrls: readonly string[];
  readonly clientUrls: readonly string[];
  readonly isLearner: boolean;
}

/** The responding member's state (etcdserverpb.StatusResponse without its header). */
export interface MemberStatus {
  readonly version: string;
  readonly dbSizeBytes: number;
  readonly dbSizeInUseBytes: number;
  readonly dbSizeQuotaBytes: number;
  /** The leader this member believes in; 0 when none. */
  readonly leader: number;
  readonly raftIndex: number;
  readonly raftTerm: number;
  readonly raftAppliedIndex: number;
  readonly errors: readonly string[];
  readonly isLearner: boolean;
}

/** A consistent copy of the store, read as a stream of chunks (Maintenance.Snapshot). */
export interface BackendSnapshot {
  /**
   * The total size of the chunks in bytes. A multiple of 512 for etcdctl 3.4, which finds the
   * sha256 trailer by that alignment (a store file is whole pages, so this holds naturally).
   */
  readonly sizeBytes: number;
  /** The bytes, in order; the server appends etcd's sha256 trailer itself. */
  readonly chunks: AsyncIterable<Uint8Array>;
}

/** The key-value part of the backend (etcd's KV service). */
export interface EtcdKvBackend {
  range(req: RangeRequest): Promise<RangeResponse>;
  put(req: PutRequest): Promise<PutResponse>;
  deleteRange(req: DeleteRangeRequest): Promise<DeleteRangeResponse>;
  txn(req: TxnRequest): Promise<TxnResponse>;
  /** Compacts revisions below `revision`; `physical` waits until the space is reclaimed. */
  compact(req: CompactionRequest): Promise<CompactionResponse>;
  /**
   * Starts a watch with kv-mvcc's semantics (MvccStore.watch): `onResponse` gets the `created`
   * response synchronously, then events in revision order (filters and prevKv applied), progress
   * notifications when asked through the handle, and a final `canceled` response with
   * `compactRevision` when the start revision was compacted. `watchId` in the request is left
   * unset: watch IDs are per gRPC stream and this package assigns them. `pause`/`resume` on the
   * handle are used for flow control when a client reads slowly.
   * @throws MvccError EMPTY_KEY, INVALID_ARGUMENT
   */
  watch(req: WatchCreateRequest, onResponse: (r: WatchResponse) => void): WatchHandle;
}

/** The lease part of the backend (etcd's Lease service). */
export interface EtcdLeaseBackend {
  /** `ID` 0 lets the backend choose. @throws MvccError LEASE_EXISTS, LEASE_TTL_TOO_LARGE */
  leaseGrant(req: LeaseGrantRequest): Promise<LeaseGrantResponse>;
  /** @throws MvccError LEASE_NOT_FOUND */
  leaseRevoke(req: LeaseRevokeRequest): Promise<LeaseRevokeResponse>;
  /** Renews the lease. @throws MvccError LEASE_NOT_FOUND */
  leaseKeepAlive(req: LeaseKeepAliveRequest): Promise<LeaseKeepAliveResponse>;
  /** `TTL` -1 or LEASE_NOT_FOUND for a lease that is gone. @throws MvccError LEASE_NOT_FOUND */
  leaseTimeToLive(req: LeaseTimeToLiveRequest): Promise<LeaseTimeToLiveResponse>;
  leaseLeases(): Promise<LeaseLeasesResponse>;
}

/** The membership part of the backend (etcd's Cluster service). */
export interface EtcdClusterBackend {
  memberList(req: { linearizable: boolean }): Promise<readonly MemberInfo[]>;
  /** @returns the new member and every member after adding it. */
  memberAdd(req: {
    peerUrls: readonly string[];
    isLearner: boolean;
  }): Promise<{ member: MemberInfo; members: readonly MemberInfo[] }>;
  /** @returns the members after the change. @throws EtcdGrpcError MEMBER_NOT_FOUND */
  memberRemove(id: number): Promise<readonly MemberInfo[]>;
  memberUpdate(req: { id: number; peerUrls: readonly string[] }): Promise<readonly MemberInfo[]>;
  /** @throws EtcdGrpcError MEMBER_NOT_LEARNER, LEARNER_NOT_READY */
  memberPromote(id: number): Promise<readonly MemberInfo[]>;
}

/** The maintenance part of the backend (etcd's Maintenance service). */
export interface EtcdMaintenanceBackend {
  status(): Promise<MemberStatus>;
  /** The hash of the MVCC keys up to `revision` (0: current), etcd's HashKV. */
  hashKv(req: HashKVRequest): Promise<HashKVResponse>;
  /** A hash of the whole store (etcd's Hash, meant for tests). */
  hash(): Promise<{ hash: number }>;
  /** GET lists the raised alarms; ACTIVATE and DEACTIVATE answer with the alarm changed, as etcd. */
  alarm(req: AlarmRequest): Promise<AlarmResponse>;
  defragment(): Promise<void>;
  /** A consistent copy of the store at the current revision. */
  snapshot(): Promise<BackendSnapshot>;
  /** @throws EmbedError NOT_LEADER when this member does not lead; EtcdGrpcError BAD_LEADER_TRANSFEREE */
  moveLeader(targetId: number): Promise<void>;
}

/**
 * Everything the etcd API needs from a member. embed implements it over Raft and kv-mvcc; tests
 * implement it over a single kv-mvcc store.
 */
export interface EtcdBackend
  extends EtcdKvBackend, EtcdLeaseBackend, EtcdClusterBackend, EtcdMaintenanceBackend {
  /** The current header: cluster and member IDs, latest revision and raft term. Synchronous. */
  header(): ResponseHeaderInfo;
  /** The leader's member ID, 0 when none is known. Honours the `hasleader` metadata. */
  leaderId(): number;
  /**
   * True while this member is a learner. As etcd's, a learner's server then refuses every call
   * but Status, a serializable Range and the Snapshot stream with `rpc not supported for learner`.
   */
  isLearner(): boolean;
}
