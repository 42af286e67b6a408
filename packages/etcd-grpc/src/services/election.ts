// etcd's v3election service over the backend: a campaign is a key `<name>/<lease hex>` holding
// the proclaimed value; the leader is the oldest such key. Errors without a gRPC code in etcd
// (its recipes' "election: not leader" and "election: no leader") travel as UNKNOWN with etcd's
// text, as etcd's server sends them.
import { status as grpcStatus } from '@grpc/grpc-js';
import type { KeyValue } from '@keel/kv-mvcc';
import type { EtcdBackend } from '../backend.js';
import { bytesOf, encodeKeyValue, headerOf, type PbBytes } from '../codec-kv.js';
import type { ServiceMethods } from '../grpc-method.js';
import { serverStream, type WritableCall } from '../stream-method.js';
import { unary, unaryWaiting } from '../unary-method.js';
import { int64ToNumber, type Int64Field } from '../int64.js';
import { EtcdAnswer } from '../status.js';
import type { ServiceContext } from './context.js';
import { createOnce, firstCreated, recipeKeys, waitPredecessors } from './concurrency.js';

interface PbLeaderKey {
  name: PbBytes;
  key: PbBytes;
  rev: Int64Field;
  lease: Int64Field;
}

const unknown = (details: string): EtcdAnswer =>
  new EtcdAnswer({ code: grpcStatus.UNKNOWN, details });

function leaderKeyOf(pb: PbLeaderKey | null | undefined): {
  key: Uint8Array;
  rev: number;
  lease: number;
} {
  if (pb === null || pb === undefined) throw unknown('"leader" field must be provided');
  return {
    key: bytesOf(pb.key),
    rev: int64ToNumber(pb.rev, 'rev'),
    lease: int64ToNumber(pb.lease, 'lease'),
  };
}

/** Puts `value` on the leader's key if it still holds leadership (etcd's Proclaim). */
async function proclaim(
  backend: EtcdBackend,
  leader: { key: Uint8Array; rev: number; lease: number },
  value: Uint8Array,
): Promise<number> {
  const res = await backend.txn({
    compare: [{ result: 'EQUAL', target: 'CREATE', key: leader.key, createRevision: leader.rev }],
    success: [{ requestPut: { key: leader.key, value, lease: leader.lease } }],
    failure: [],
  });
  if (!res.succeeded) throw unknown('election: not leader');
  return res.revision;
}

const sameKv = (a: KeyValue, b: KeyValue): boolean =>
  a.modRevision === b.modRevision && Buffer.compare(a.key, b.key) === 0;

/** Streams every change of leader or proclaimed value until the client goes away. */
async function observe(
  backend: EtcdBackend,
  prefix: Uint8Array,
  call: WritableCall,
): Promise<void> {
  let last: KeyValue | undefined;
  const report = async (): Promise<number> => {
    const res = await backend.range(firstCreated(prefix));
    const kv = res.kvs[0];
    if (
      kv !== undefined &&
      (last === undefined || !sameKv(kv, last)) &&
      !call.cancelled &&
      !call.writableEnded
    ) {
      last = kv;
      call.write({ header: headerOf(backend, res.revision), kv: encodeKeyValue(kv) });
    }
    return res.revision;
  };
  const from = await report();
  await new Promise<void>((resolve, reject) => {
    // Reports run one after another, in the order the watch saw changes.
    let chain = Promise.resolve();
    const handle = backend.watch(
      { key: prefix, rangeEnd: firstCreated(prefix).rangeEnd, startRevision: from + 1 },
      () => {
        chain = chain
          .then(() => report().then(() => undefined))
          .catch((e: unknown) => {
            handle.cancel();
            reject(e instanceof Error ? e : new Error(String(e)));
          });
      },
    );
    // The client left, or the server ended the stream (the member lost its leader).
    for (const event of ['cancelled', 'error']) {
      call.once(event, () => {
        handle.cancel();
        resolve();
      });
    }
  });
}

/** The v3election service's handlers over `ctx.backend`. */
export function electionService(ctx: ServiceContext): ServiceMethods {
  const { backend, gate } = ctx;
  type Campaign = { name: PbBytes; lease: Int64Field; value: PbBytes };
  return {
    Campaign: unaryWaiting<Campaign>(gate, async (pb, signal) => {
      const lease = int64ToNumber(pb.lease, 'lease');
      const name = bytesOf(pb.name);
      const value = bytesOf(pb.value);
      const { prefix, key } = recipeKeys(name, lease);
      const mine = await createOnce(backend, { key, value, lease });
      const leader = { key, rev: mine.createRevision, lease };
      if (Buffer.compare(mine.value, value) !== 0) await proclaim(backend, leader, value);
      await waitPredecessors(
        backend,
        { prefix, maxCreateRevision: mine.createRevision - 1 },
        signal,
      );
      return { header: headerOf(backend), leader: { name, key, rev: leader.rev, lease } };
    }),
    Proclaim: unary<{ leader: PbLeaderKey | null; value: PbBytes }>(gate, async (pb) => {
      const revision = await proclaim(backend, leaderKeyOf(pb.leader), bytesOf(pb.value));
      return { header: headerOf(backend, revision) };
    }),
    Leader: unary<{ name: PbBytes }>(gate, async (pb) => {
      const res = await backend.range(firstCreated(recipeKeys(bytesOf(pb.name), 0).prefix));
      const kv = res.kvs[0];
      if (kv === undefined) throw unknown('election: no leader');
      return { header: headerOf(backend, res.revision), kv: encodeKeyValue(kv) };
    }),
    Observe: serverStream<{ name: PbBytes }>(gate, (pb, call) =>
      observe(backend, recipeKeys(bytesOf(pb.name), 0).prefix, call),
    ),
    Resign: unary<{ leader: PbLeaderKey | null }>(gate, async (pb) => {
      const leader = leaderKeyOf(pb.leader);
      const res = await backend.txn({
        compare: [
          { result: 'EQUAL', target: 'CREATE', key: leader.key, createRevision: leader.rev },
        ],
        success: [{ requestDeleteRange: { key: leader.key } }],
        failure: [],
      });
      return { header: headerOf(backend, res.revision) };
    }),
  };
}
