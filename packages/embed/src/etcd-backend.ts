// etcd-grpc's EtcdBackend over a member: KV through Raft (linearizable ranges through ReadIndex),
// watches on the local store, leases, membership (server.cluster) and Maintenance.
import type {
  BackendSnapshot,
  EtcdBackend,
  MemberInfo,
  MemberStatus,
  ResponseHeaderInfo,
} from '@keel/etcd-grpc';
import type {
  AlarmResponse,
  ApplyRequest,
  ApplyResult,
  MvccStore,
  WatchCreateRequest,
  WatchHandle,
  WatchResponse,
} from '@keel/kv-mvcc';
import type { ClusterApi } from './cluster-api.js';
import { proposeRequest, type KvApi } from './kv-api.js';
import type { LeaseApi } from './lease-api.js';

/** What the backend needs from the server. */
export interface BackendHost {
  readonly memberId: number;
  readonly kv: KvApi;
  readonly lease: LeaseApi;
  readonly cluster: ClusterApi;
  readonly store: MvccStore;
  readonly isLearner: boolean;
  readonly leaderId: number;
  readonly term: number;
  readonly appliedIndex: number;
  readonly quotaBackendBytes: number;
  header(): ResponseHeaderInfo;
  propose(request: ApplyRequest): Promise<ApplyResult>;
  readBarrier(): Promise<unknown>;
  checkOpen(): void;
  raiseNoSpace(): Promise<void>;
  watch(req: WatchCreateRequest, onResponse: (r: WatchResponse) => void): WatchHandle;
}

const strip = <T extends object>(r: T & { header?: unknown }): T => {
  const { header: _header, ...rest } = r;
  return rest as T;
};

/** Builds the backend; `getHost` is called per request (the server exists by then). */
export function createEtcdBackend(getHost: () => BackendHost): EtcdBackend {
  const host = getHost;
  const apply = async (request: ApplyRequest) =>
    proposeRequest(
      {
        store: host().store,
        propose: (r) => host().propose(r),
        readBarrier: () => host().readBarrier(),
        header: () => host().header(),
        raiseNoSpace: () => host().raiseNoSpace(),
        checkOpen: () => {
          host().checkOpen();
        },
      },
      request,
    );
  return {
    header: () => host().header(),
    leaderId: () => host().leaderId,
    range: async (req) => strip(await host().kv.range(req)),
    put: async (req) => strip(await host().kv.put(req)),
    deleteRange: async (req) => strip(await host().kv.deleteRange(req)),
    txn: async (req) => strip(await host().kv.txn(req)),
    compact: async (req) => strip(await host().kv.compact(req)),
    watch: (req, onResponse) => host().watch(req, onResponse),
    leaseGrant: async (req) => strip(await host().lease.grant(req)),
    leaseRevoke: async (req) => strip(await host().lease.revoke(req.ID)),
    leaseKeepAlive: async (req) => strip(await host().lease.keepAlive(req.ID)),
    leaseTimeToLive: async (req) => strip(await host().lease.timeToLive(req)),
    leaseLeases: async () => strip(await host().lease.leases()),
    memberList: async (req): Promise<readonly MemberInfo[]> =>
      (await host().cluster.memberList({ linearizable: req.linearizable })).members,
    memberAdd: async (req) => {
      const res = await host().cluster.addMember(req.peerUrls, { isLearner: req.isLearner });
      return { member: res.member, members: res.members };
    },
    memberRemove: async (id) => (await host().cluster.removeMember(id)).members,
    memberUpdate: async (req) => (await host().cluster.updateMember(req.id, req.peerUrls)).members,
    memberPromote: async (id) => (await host().cluster.promoteMember(id)).members,
    status: () => Promise.resolve(memberStatus(host())),
    hashKv: (req) => Promise.resolve(host().store.hashKV(req)),
    hash: () => Promise.resolve({ hash: host().store.hashKV({}).hash }),
    alarm: async (req) => {
      if (req.action === 'GET')
        return { alarms: host().store.alarms(), revision: host().store.revision };
      return ((await apply({ alarm: req })) as { alarm: AlarmResponse }).alarm;
    },
    defragment: () => Promise.resolve(),
    snapshot: () => Promise.resolve(storeSnapshot(host().store)),
    moveLeader: async (targetId) => {
      await host().cluster.moveLeader(targetId);
    },
  };
}

function memberStatus(host: BackendHost): MemberStatus {
  const store = host.store;
  return {
    version: '3.6.0',
    dbSizeBytes: store.dbSizeBytes(),
    dbSizeInUseBytes: store.dbSizeBytes(),
    dbSizeQuotaBytes: host.quotaBackendBytes,
    leader: host.leaderId,
    raftIndex: host.appliedIndex,
    raftTerm: host.term,
    raftAppliedIndex: host.appliedIndex,
    errors: store.alarms().map((a) => `memberID:${a.memberID} alarm:${a.alarm} `),
    isLearner: host.isLearner,
  };
}

/** The store's snapshot stream, padded to whole 512-byte pages (etcdctl 3.4 needs that). */
function storeSnapshot(store: MvccStore): BackendSnapshot {
  const parts: Buffer[] = [];
  for (const chunk of store.snapshot()) parts.push(Buffer.from(chunk));
  const data = Buffer.concat(parts);
  const bytes = Buffer.alloc(Math.ceil(data.length / 512) * 512);
  data.copy(bytes);
  async function* chunks(): AsyncIterable<Uint8Array> {
    yield await Promise.resolve(bytes);
  }
  return { sizeBytes: bytes.length, chunks: chunks() };
}
