// etcd-grpc's EtcdBackend over a member: KV through Raft (linearizable ranges through ReadIndex),
// watches on the local store, leases, membership (server.cluster) and Maintenance
// (server.maintenance).
import type { EtcdBackend, MemberInfo, ResponseHeaderInfo } from '@keel/etcd-grpc';
import type { WatchCreateRequest, WatchHandle, WatchResponse } from '@keel/kv-mvcc';
import type { ClusterApi } from './cluster-api.js';
import type { KvApi } from './kv-api.js';
import type { LeaseApi } from './lease-api.js';
import type { MaintenanceApi } from './maintenance-api.js';

/** What the backend needs from the server. */
export interface BackendHost {
  readonly kv: KvApi;
  readonly lease: LeaseApi;
  readonly cluster: ClusterApi;
  readonly maintenance: MaintenanceApi;
  readonly leaderId: number;
  /** True while this member is a learner (its gRPC server then refuses what etcd's refuses). */
  readonly isLearner: boolean;
  header(): ResponseHeaderInfo;
  watch(req: WatchCreateRequest, onResponse: (r: WatchResponse) => void): WatchHandle;
}

const strip = <T extends object>(r: T & { header?: unknown }): T => {
  const { header: _header, ...rest } = r;
  return rest as T;
};

/** Builds the backend; `getHost` is called per request (the server exists by then). */
export function createEtcdBackend(getHost: () => BackendHost): EtcdBackend {
  const host = getHost;
  return {
    header: () => host().header(),
    leaderId: () => host().leaderId,
    isLearner: () => host().isLearner,
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
    status: async () => strip(await host().maintenance.status()),
    hashKv: async (req) => strip(await host().maintenance.hashKV(req.revision)),
    hash: async () => ({ hash: (await host().maintenance.hashKV()).hash }),
    alarm: async (req) => strip(await host().maintenance.alarm(req)),
    defragment: async () => {
      await host().maintenance.defragment();
    },
    snapshot: () => host().maintenance.snapshot(),
    moveLeader: async (targetId) => {
      await host().cluster.moveLeader(targetId);
    },
  };
}
