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
import type { LoadedTls } from '@keel/raft-transport-ws';
import { assert } from './assert.js';
import type { Clock } from './clock.js';
import { proposeRequest, type KvHost, type WithHeader } from './kv-api.js';
import { LeaseForwarder } from './lease-forwarder.js';
import type { LeaseKeeper } from './lease-keeper.js';
import { createLeaseLeaderOps, type LeaseLeaderOps } from './lease-leader.js';
import type { Leadership } from './leadership.js';
import type { Membership } from './membership.js';

/** The in-process Lease API (etcd's Lease service). */
export interface LeaseApi {
  /** Grants a lease of `TTL` seconds (`ID` 0 or absent: the store picks one). */
  grant(req: LeaseGrantRequest): Promise<WithHeader<LeaseGrantResponse>>;
  /** Revokes lease `id` and deletes its keys. @throws MvccError LEASE_NOT_FOUND */
  revoke(id: number): Promise<WithHeader<LeaseRevokeResponse>>;
  /**
   * Restarts the lease's TTL on the leader; a follower forwards it there (etcd's LeaseRenew).
   * @throws MvccError LEASE_NOT_FOUND; EmbedError NOT_LEADER (no leader within the request's time
   * limit), TIMEOUT (the leader did not answer within it), STOPPED
   */
  keepAlive(id: number): Promise<WithHeader<LeaseKeepAliveResponse>>;
  /**
   * The lease's granted TTL and its remaining TTL as the leader counts it (a follower asks the
   * leader). @throws as `keepAlive`
   */
  timeToLive(req: LeaseTimeToLiveRequest): Promise<WithHeader<LeaseTimeToLiveResponse>>;
  /** Every lease. */
  leases(): Promise<WithHeader<LeaseLeasesResponse>>;
}

/** What the lease side of a member is built from, besides the KV host. */
export interface LeaseParts {
  readonly keeper: LeaseKeeper;
  readonly leadership: Leadership;
  readonly membership: Membership;
  readonly clock: Clock;
  readonly requestTimeoutMs: number;
  /** The member's peer TLS material when its peer URLs are https. */
  readonly peerTls: LoadedTls | undefined;
}

/** A member's lease side: `server.lease`, the leader's answers (served to peers), the forwarder. */
export interface LeaseSide {
  readonly api: LeaseApi;
  readonly leaderOps: LeaseLeaderOps;
  readonly forwarder: LeaseForwarder;
}

/** Builds `server.lease` with the leader's answers and the forwarding to them. */
export function createLeaseSide(host: KvHost, parts: LeaseParts): LeaseSide {
  const leaderOps = createLeaseLeaderOps(host, parts.keeper);
  const forwarder = new LeaseForwarder({ ...parts, local: leaderOps });
  return { api: createLeaseApi(host, parts.keeper, forwarder), leaderOps, forwarder };
}

function createLeaseApi(host: KvHost, keeper: LeaseKeeper, forwarder: LeaseForwarder): LeaseApi {
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
    async keepAlive(id) {
      host.checkOpen();
      const res = await forwarder.keepAlive(id);
      return withHeader({ ...res, revision: host.store.revision });
    },
    async timeToLive(req) {
      host.checkOpen();
      // The keys and TTLs are the leader's; the header is this member's, as etcd fills it.
      const res = await forwarder.timeToLive(req);
      return withHeader({ ...res, revision: host.store.revision });
    },
    leases() {
      host.checkOpen();
      return Promise.resolve(withHeader(host.store.leaseLeases()));
    },
  };
}
