// etcd's Lease service. LeaseKeepAlive handles one request at a time per stream and pauses
// reading meanwhile, so a client that floods the stream is held back by HTTP/2 flow control
// instead of growing a queue here.
import { isMvccError } from '@keel/kv-mvcc';
import { headerOf } from '../codec-kv.js';
import { EtcdGrpcError, isEtcdGrpcError } from '../errors.js';
import { duplex, type DuplexCall } from '../stream-method.js';
import type { ServiceMethods } from '../grpc-method.js';
import { malformedStatus, toStatusObject, unary, type Inbound } from '../unary-method.js';
import { int64ToNumber, type Int64Field } from '../int64.js';
import { leaseTtlSecondsMax } from '../limits.js';
import { toEtcdStatus } from '../status.js';
import type { ServiceContext } from './context.js';

interface PbId {
  ID: Int64Field;
}

/** True when `e` says the lease does not exist, from kv-mvcc or from the backend. */
function isLeaseNotFound(e: unknown): boolean {
  return isMvccError(e, 'LEASE_NOT_FOUND') || isEtcdGrpcError(e, 'LEASE_NOT_FOUND');
}

/** Answers one keep-alive: a lease that is gone gets TTL 0, as etcd answers it. */
async function keepAliveOnce(ctx: ServiceContext, id: number): Promise<object> {
  try {
    const res = await ctx.backend.leaseKeepAlive({ ID: id });
    return { header: headerOf(ctx.backend, res.revision), ID: id, TTL: res.TTL };
  } catch (e) {
    if (!isLeaseNotFound(e)) throw e;
    return { header: headerOf(ctx.backend), ID: id, TTL: 0 };
  }
}

function keepAliveStream(ctx: ServiceContext) {
  return (call: DuplexCall<PbId>): void => {
    let ended = false;
    const fail = (status: object): void => {
      if (ended) return;
      ended = true;
      call.emit('error', status);
    };
    call.on('data', (inbound: Inbound<PbId>) => {
      if (!inbound.ok) {
        fail(malformedStatus(inbound.reason));
        return;
      }
      call.pause();
      const answer = async (): Promise<void> => {
        const res = await keepAliveOnce(ctx, int64ToNumber(inbound.msg.ID, 'ID'));
        if (ended) return;
        call.write(res);
        call.resume();
      };
      answer().catch((e: unknown) => {
        fail(toStatusObject(toEtcdStatus(e)));
      });
    });
    call.on('end', () => {
      if (ended) return;
      ended = true;
      call.end();
    });
    call.on('error', () => {
      ended = true; // ended by the server (fail, or the member lost its leader)
    });
  };
}

/** The Lease service's handlers over `ctx.backend`. */
export function leaseService(ctx: ServiceContext): ServiceMethods {
  const { backend, gate } = ctx;
  return {
    LeaseGrant: unary<{ TTL: Int64Field; ID: Int64Field }>(gate, async (pb) => {
      const TTL = int64ToNumber(pb.TTL, 'TTL');
      if (TTL > leaseTtlSecondsMax) throw new EtcdGrpcError({ code: 'LEASE_TTL_TOO_LARGE' });
      const res = await backend.leaseGrant({ ID: int64ToNumber(pb.ID, 'ID'), TTL });
      return { header: headerOf(backend, res.revision), ID: res.ID, TTL: res.TTL };
    }),
    LeaseRevoke: unary<PbId>(gate, async (pb) => {
      const res = await backend.leaseRevoke({ ID: int64ToNumber(pb.ID, 'ID') });
      return { header: headerOf(backend, res.revision) };
    }),
    LeaseKeepAlive: duplex<PbId>(gate, keepAliveStream(ctx)),
    LeaseTimeToLive: unary<{ ID: Int64Field; keys: boolean }>(gate, async (pb) => {
      const ID = int64ToNumber(pb.ID, 'ID');
      try {
        const res = await backend.leaseTimeToLive({ ID, keys: pb.keys });
        return {
          header: headerOf(backend, res.revision),
          ID: res.ID,
          TTL: res.TTL,
          grantedTTL: res.grantedTTL,
          keys: res.keys,
        };
      } catch (e) {
        // etcd answers a lease that does not exist with TTL -1 rather than an error.
        if (!isLeaseNotFound(e)) throw e;
        return { header: headerOf(backend), ID, TTL: -1 };
      }
    }),
    LeaseLeases: unary<object>(gate, async () => {
      const res = await backend.leaseLeases();
      return {
        header: headerOf(backend, res.revision),
        leases: res.leases.map((l) => ({ ID: l.ID })),
      };
    }),
  };
}
