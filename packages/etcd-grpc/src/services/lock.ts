// etcd's v3lock service: Lock waits until the caller's key is the oldest under `<name>/`, then
// answers with that key; Unlock deletes it. The lock lives as long as the caller's lease.
import { bytesOf, headerOf, type PbBytes } from '../codec-kv.js';
import type { ServiceMethods } from '../grpc-method.js';
import { unary, unaryWaiting } from '../unary-method.js';
import { int64ToNumber, type Int64Field } from '../int64.js';
import { EtcdAnswer } from '../status.js';
import { status as grpcStatus } from '@grpc/grpc-js';
import type { ServiceContext } from './context.js';
import { createOnce, recipeKeys, waitPredecessors } from './concurrency.js';

/** The v3lock service's handlers over `ctx.backend`. */
export function lockService(ctx: ServiceContext): ServiceMethods {
  const { backend, gate } = ctx;
  return {
    Lock: unaryWaiting<{ name: PbBytes; lease: Int64Field }>(gate, async (pb, signal) => {
      const lease = int64ToNumber(pb.lease, 'lease');
      const { prefix, key } = recipeKeys(bytesOf(pb.name), lease);
      const mine = await createOnce(backend, { key, value: new Uint8Array(0), lease });
      await waitPredecessors(
        backend,
        { prefix, maxCreateRevision: mine.createRevision - 1 },
        signal,
      );
      // The key may have gone with its lease while we waited: then the lock was not taken.
      const now = await backend.range({ key });
      if (now.kvs[0]?.createRevision !== mine.createRevision) {
        throw new EtcdAnswer({ code: grpcStatus.UNKNOWN, details: 'concurrency: session expired' });
      }
      return { header: headerOf(backend, now.revision), key };
    }),
    Unlock: unary<{ key: PbBytes }>(gate, async (pb) => {
      const res = await backend.deleteRange({ key: bytesOf(pb.key) });
      return { header: headerOf(backend, res.revision) };
    }),
  };
}
