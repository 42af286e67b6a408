import { encodeTxnPuts } from './etcd-requests.js';
import { GrpcLoadClient } from './grpc-load-client.js';
import { limits } from './limits.js';

/** What a bulk load asks for: `count` keys of `limits.valueBytes` under `prefix`. */
export interface BulkLoad {
  readonly prefix: string;
  readonly count: number;
  /** Stop starting transactions after this long; the keys loaded so far are reported. */
  readonly budgetMs: number;
}

/**
 * Loads keys through `url` in transactions of `limits.txnOpsMax` puts, a few in flight at once,
 * and resolves with how many keys were loaded: `load.count`, or fewer when the time budget ran
 * out (always a whole number of transactions). Any failed transaction rejects.
 */
export async function bulkLoad(url: string, load: BulkLoad): Promise<number> {
  const client = new GrpcLoadClient(url, 2);
  const value = Buffer.alloc(limits.valueBytes, 0x62);
  const deadline = performance.now() + load.budgetMs;
  let next = 0;
  let loaded = 0;
  const loader = async (): Promise<void> => {
    while (next < load.count && performance.now() < deadline) {
      const lo = next;
      const hi = Math.min(load.count, lo + limits.txnOpsMax);
      next = hi;
      const pairs = [];
      for (let i = lo; i < hi; i++) {
        pairs.push({ key: Buffer.from(`${load.prefix}${String(i).padStart(8, '0')}`), value });
      }
      await client.call('/etcdserverpb.KV/Txn', encodeTxnPuts(pairs));
      loaded += hi - lo;
    }
  };
  const t0 = performance.now();
  try {
    await Promise.all(Array.from({ length: limits.bulkLoadConcurrency }, loader));
  } finally {
    client.close();
  }
  const secs = (performance.now() - t0) / 1000;
  process.stderr.write(
    `bench-etcd:   loaded ${loaded} keys in ${secs.toFixed(1)} s (${(loaded / secs).toFixed(0)} keys/s)\n`,
  );
  return loaded;
}
