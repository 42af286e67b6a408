// The leader's side of LeaseKeepAlive and LeaseTimeToLive, for a call made on the leader and for
// one a follower forwarded to it (lease-http.ts). Only the leader counts lease deadlines
// (lease-keeper.ts), so only its answers carry the true remaining TTL.
import {
  isMvccError,
  type LeaseTimeToLiveRequest,
  type LeaseTimeToLiveResponse,
} from '@keel/kv-mvcc';
import type { KvHost } from './kv-api.js';
import type { LeaseKeeper } from './lease-keeper.js';

/** A renewed lease: its ID and the TTL it restarted with, in seconds. */
export interface RenewedLease {
  readonly ID: number;
  readonly TTL: number;
}

/** The leader's lease answers. */
export interface LeaseLeaderOps {
  /**
   * Restarts lease `id`'s TTL. A lease this member has not applied yet (granted through another
   * member a moment ago) is looked up again once the member has applied everything committed
   * before the call, as etcd's leader waits for its applies before renewing a forwarded lease.
   * @throws EmbedError NOT_LEADER when this member does not lead; MvccError LEASE_NOT_FOUND
   */
  keepAlive(id: number): Promise<RenewedLease>;
  /**
   * The lease's granted TTL, remaining TTL as the leader counts it, and (with `keys`) its keys,
   * after a linearizable read barrier. @throws MvccError LEASE_NOT_FOUND
   */
  timeToLive(req: LeaseTimeToLiveRequest): Promise<LeaseTimeToLiveResponse>;
}

/** Builds the leader's lease answers over the member's store and lease keeper. */
export function createLeaseLeaderOps(host: KvHost, keeper: LeaseKeeper): LeaseLeaderOps {
  return {
    async keepAlive(id) {
      host.checkOpen();
      try {
        return await keeper.keepAlive(id);
      } catch (e) {
        if (!isMvccError(e, 'LEASE_NOT_FOUND')) throw e;
      }
      await host.readBarrier();
      return keeper.keepAlive(id);
    },
    async timeToLive(req) {
      host.checkOpen();
      await host.readBarrier();
      const res = host.store.leaseTimeToLive(req);
      return { ...res, TTL: keeper.remainingSeconds(req.ID, res.TTL) };
    },
  };
}
