// etcd's v3lock and v3election services, built here on the backend's KV, Watch and Lease the way
// etcd's server builds them on its client's concurrency recipes: a lock or campaign is a key
// `<name>/<lease in hex>` attached to the caller's lease; the owner is the key with the lowest
// create revision under `<name>/`; a waiter watches the key created just before its own until it
// is deleted, then checks again.
import type { EtcdBackend } from '../backend.js';
import type { KeyValue, RangeRequest, TxnResponse } from '@keel/kv-mvcc';
import { EtcdGrpcError } from '../errors.js';

const enc = new TextEncoder();

/** The key etcd's prefix range ends at: `prefix` with its last byte below 0xff incremented. */
export function prefixEnd(prefix: Uint8Array): Uint8Array {
  for (let i = prefix.length - 1; i >= 0; i--) {
    const byte = prefix[i] ?? 0;
    if (byte < 0xff) {
      const end = prefix.slice(0, i + 1);
      end[i] = byte + 1;
      return end;
    }
  }
  return new Uint8Array([0]);
}

/** `<name>/` and `<name>/<lease hex>`, as etcd's recipes name them. */
export function recipeKeys(
  name: Uint8Array,
  lease: number,
): { prefix: Uint8Array; key: Uint8Array } {
  const prefix = new Uint8Array([...name, 0x2f]);
  return { prefix, key: new Uint8Array([...prefix, ...enc.encode(lease.toString(16))]) };
}

/** The first-created key under `prefix` (the owner), if any. */
export function firstCreated(prefix: Uint8Array): RangeRequest {
  return {
    key: prefix,
    rangeEnd: prefixEnd(prefix),
    sortOrder: 'ASCEND',
    sortTarget: 'CREATE',
    limit: 1,
  };
}

/** Resolves once `key` has a DELETE event after `revision`; rejects when `signal` aborts. */
function waitDelete(
  backend: EtcdBackend,
  target: { key: Uint8Array; revision: number },
  signal: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const handle = backend.watch({ key: target.key, startRevision: target.revision + 1 }, (r) => {
      if (r.canceled || r.events.some((e) => e.type === 'DELETE')) {
        handle.cancel();
        signal.removeEventListener('abort', onAbort);
        resolve();
      }
    });
    const onAbort = (): void => {
      handle.cancel();
      reject(new Error('the client went away while waiting'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Waits until no key under `prefix` was created at or before `maxCreateRevision` (etcd's
 * waitDeletes). Each round waits for one predecessor; there are at most as many rounds as
 * waiters ahead, and each waits on a real deletion.
 */
export async function waitPredecessors(
  backend: EtcdBackend,
  req: { prefix: Uint8Array; maxCreateRevision: number },
  signal: AbortSignal,
): Promise<void> {
  // maxCreateRevision 0 would mean "no bound" to a Range; nothing is created before revision 1.
  if (req.maxCreateRevision < 1) return;
  for (;;) {
    const res = await backend.range({
      key: req.prefix,
      rangeEnd: prefixEnd(req.prefix),
      maxCreateRevision: req.maxCreateRevision,
      sortOrder: 'DESCEND',
      sortTarget: 'CREATE',
      limit: 1,
    });
    const last = res.kvs[0];
    if (last === undefined) return;
    await waitDelete(backend, { key: last.key, revision: res.revision }, signal);
  }
}

/**
 * Creates `key` on `lease` with `value` unless it exists; returns its create revision and the
 * key as it now is (etcd's "if create revision is 0, put, else get").
 */
export async function createOnce(
  backend: EtcdBackend,
  req: { key: Uint8Array; value: Uint8Array; lease: number },
): Promise<KeyValue> {
  if (req.lease === 0) {
    throw new EtcdGrpcError({
      code: 'INVALID_ARGUMENT',
      message: 'etcdserver: a lease is required',
    });
  }
  const res: TxnResponse = await backend.txn({
    compare: [{ result: 'EQUAL', target: 'CREATE', key: req.key, createRevision: 0 }],
    success: [{ requestPut: { key: req.key, value: req.value, lease: req.lease } }],
    failure: [{ requestRange: { key: req.key } }],
  });
  if (res.succeeded) {
    return {
      key: req.key,
      value: req.value,
      lease: req.lease,
      createRevision: res.revision,
      modRevision: res.revision,
      version: 1,
    };
  }
  const op = res.responses[0];
  const kv = op !== undefined && 'responseRange' in op ? op.responseRange.kvs[0] : undefined;
  // The key existed at the compare and cannot vanish inside the same txn.
  if (kv === undefined) throw new Error('createOnce: the existing key was not returned');
  return kv;
}
