// server.lease: etcd's Lease service in process. Grants and revokes go through Raft; the
// leader keeps deadlines (lease-keeper.ts) and revokes expired leases through the log.
import type {
  LeaseGrantRequest,
  LeaseGrantResponse,
  LeaseKeepAliveResponse,
  LeaseLeasesResponse,
  LeaseRevokeResponse,
  LeaseTimeToLiveRequest,
  LeaseTimeToLiveResponse,
} from '@keel/kv-mvcc';
import { assert } from './assert.js';
import { proposeRequest, type KvHost, type WithHeader } from './kv-api.js';
import type { LeaseKeeper } from './lease-keeper.js';

/** The in-process Lease API (etcd's Lease service). */
export interface LeaseApi {
  /** Grants a lease of `TTL` seconds (`ID` 0 or absent: the store picks one). */
  grant(req: LeaseGrantRequest): Promise<WithHeader<LeaseGrantResponse>>;
  /** Revokes lease `id` and deletes its keys. @throws MvccError LEASE_NOT_FOUND */
  revoke(id: number): Promise<WithHeader<LeaseRevokeResponse>>;
  /**
   * Restarts the lease's TTL. Must run on the leader for now.
   * @throws EmbedError NOT_LEADER on a follower; MvccError LEASE_NOT_FOUND
   */
  keepAlive(id: number): Promise<WithHeader<LeaseKeepAliveResponse>>;
  /** The lease's remaining TTL (the leader's count when this member leads). */
  timeToLive(req: LeaseTimeToLiveRequest): Promise<WithHeader<LeaseTimeToLiveResponse>>;
  /** Every lease. */
  leases(): Promise<WithHeader<LeaseLeasesResponse>>;
}

/** Builds `server.lease`. */
export function createLeaseApi(host: KvHost, keeper: LeaseKeeper): LeaseApi {
  const withHeader = <T extends object>(r: T): WithHeader<T> => ({ ...r, header: host.header() });
  return {
    async grant(req) {
      const res = await proposeRequest(host, { leaseGrant: req });
      assert('leaseGrant' in res, 'a lease grant is answered with leaseGrant');
      keeper.noteGrant(res.leaseGrant.ID, res.leaseGrant.TTL);
      return withHeader(res.leaseGrant);
    },
    async revoke(id) {
      const res = await proposeRequest(host, { leaseRevoke: { ID: id } });
      assert('leaseRevoke' in res, 'a lease revoke is answered with leaseRevoke');
      return withHeader(res.leaseRevoke);
    },
    keepAlive(id) {
      host.checkOpen();
      const res = keeper.keepAlive(id);
      return Promise.resolve(withHeader({ ...res, revision: host.store.revision }));
    },
    async timeToLive(req) {
      host.checkOpen();
      await host.readBarrier();
      const res = host.store.leaseTimeToLive(req);
      return withHeader({ ...res, TTL: keeper.remainingSeconds(req.ID, res.TTL) });
    },
    leases() {
      host.checkOpen();
      return Promise.resolve(withHeader(host.store.leaseLeases()));
    },
  };
}
