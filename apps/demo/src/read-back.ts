import type { Etcd3 } from 'etcd3';
import type { StoredVersion } from './acked-writes.js';
import { DemoError } from './errors.js';
import { readBackConcurrency } from './limits.js';
import type { LocalCluster } from './local-cluster.js';
import { pause } from './pause.js';
import { demoKey } from './put-get-loop.js';

/**
 * Runs `call` on a serving member's client, moving to the next member when one fails, until it
 * succeeds or `untilMs` (a `performance.now()` time) passes.
 *
 * @throws DemoError CHECK_FAILED when no member answered in time.
 */
async function onAnyMember<T>(
  cluster: LocalCluster,
  untilMs: number,
  call: (client: Etcd3) => Promise<T>,
): Promise<T> {
  let lastError: unknown = new Error('no member is serving');
  for (let attempt = 0; performance.now() < untilMs; attempt++) {
    const serving = cluster.serving();
    const member = serving[attempt % Math.max(1, serving.length)];
    if (member !== undefined) {
      try {
        return await call(cluster.client(member));
      } catch (e) {
        lastError = e;
      }
    }
    await pause(100);
  }
  throw new DemoError({
    code: 'CHECK_FAILED',
    message: `could not read the acknowledged writes back: ${(lastError as Error).message}; the members' data directories are kept in ${cluster.dir}`,
    cause: lastError,
  });
}

/**
 * What the store holds for the demo key at each of `revisions`, read linearizably through any
 * serving member. A revision above the store's current one has no version (`undefined`): a write
 * acknowledged there was lost.
 *
 * @throws DemoError CHECK_FAILED when the members do not answer within `deadlineMs`.
 */
export async function readBack(
  cluster: LocalCluster,
  revisions: readonly number[],
  deadlineMs: number,
): Promise<Map<number, StoredVersion | undefined>> {
  const untilMs = performance.now() + deadlineMs;
  const now = await onAnyMember(cluster, untilMs, (c) => c.get(demoKey).exec());
  const current = Number(now.header.revision);
  const stored = new Map<number, StoredVersion | undefined>();
  const pending = revisions.filter((r) => r <= current);
  for (const r of revisions) if (r > current) stored.set(r, undefined);
  for (let i = 0; i < pending.length; i += readBackConcurrency) {
    const batch = pending.slice(i, i + readBackConcurrency);
    await Promise.all(
      batch.map(async (revision) => {
        const res = await onAnyMember(cluster, untilMs, (c) =>
          c.get(demoKey).revision(revision).exec(),
        );
        const kv = res.kvs[0];
        stored.set(
          revision,
          kv === undefined
            ? undefined
            : { value: kv.value.toString(), modRevision: Number(kv.mod_revision) },
        );
      }),
    );
  }
  return stored;
}
