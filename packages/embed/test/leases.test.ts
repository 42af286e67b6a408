// Goal: leases and watches through the server: a lease expires on the leader, which revokes it
// through the log and so deletes its keys (seen by a watcher); keepAlive restarts the TTL,
// timeToLive counts down on the leader, revoke deletes at once, and a gone lease is
// LEASE_NOT_FOUND. Method: one real member (LMDB in a temp dir, real clock: etcd's TTLs are whole
// seconds, so the expiry test waits about one second, on the watch event, with a deadline).
import type { WatchResponse } from '@keel/kv-mvcc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Server } from '../src/index.js';
import { b, s, tempDir, within } from './helpers.js';

let server: Server;
let remove: () => Promise<void>;

beforeAll(async () => {
  const t = await tempDir();
  remove = t.remove;
  server = await startServer(
    {
      name: 'leases',
      dataDir: t.dir,
      listenClientUrls: ['http://127.0.0.1:0'],
      advertiseClientUrls: ['http://127.0.0.1:0'],
      tickMs: 10,
      electionMs: 100,
    },
    { unsafeNoSync: true },
  );
  await within(server.ready, 5000, 'ready');
});

afterAll(async () => {
  await server.close();
  await remove();
});

/** Resolves with the first watch response holding an event that `match` accepts. */
function nextEvent(key: string, match: (r: WatchResponse) => boolean): Promise<WatchResponse> {
  return new Promise((resolve) => {
    const handle = server.watch({ key: b(key) }, (r) => {
      if (!match(r)) return;
      handle.cancel();
      resolve(r);
    });
  });
}

describe('leases through the server', () => {
  it('expire on the leader through the log and delete their keys', async () => {
    const grant = await server.lease.grant({ TTL: 1 });
    expect(grant.TTL).toBe(1);
    await server.kv.put({ key: b('ephemeral'), value: b('x'), lease: grant.ID });
    const t0 = performance.now();
    const deleted = nextEvent('ephemeral', (r) => r.events.some((e) => e.type === 'DELETE'));
    await within(deleted, 4000, 'lease expiry');
    // Not before the TTL, and within one check interval (500 ms) plus some slack after it.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(900);
    expect((await server.kv.range({ key: b('ephemeral') })).count).toBe(0);
    await expect(server.lease.timeToLive({ ID: grant.ID })).rejects.toMatchObject({
      code: 'LEASE_NOT_FOUND',
    });
  });

  it('keepAlive restarts the TTL; timeToLive counts on the leader; revoke deletes at once', async () => {
    const grant = await server.lease.grant({ TTL: 30 });
    await server.kv.put({ key: b('held'), value: b('y'), lease: grant.ID });
    const ttl = await server.lease.timeToLive({ ID: grant.ID, keys: true });
    expect(ttl.grantedTTL).toBe(30);
    expect(ttl.TTL).toBeGreaterThan(28);
    expect(ttl.TTL).toBeLessThanOrEqual(30);
    expect(ttl.keys.map((k) => s(k))).toEqual(['held']);
    expect((await server.lease.keepAlive(grant.ID)).TTL).toBe(30);
    expect((await server.lease.leases()).leases.map((l) => l.ID)).toContain(grant.ID);
    const revoked = await server.lease.revoke(grant.ID);
    expect(revoked.header.memberId).toBe(server.memberId);
    expect((await server.kv.range({ key: b('held') })).count).toBe(0);
    await expect(server.lease.revoke(grant.ID)).rejects.toMatchObject({ code: 'LEASE_NOT_FOUND' });
  });

  it('a watch sees puts in revision order', async () => {
    const seen: string[] = [];
    const done = new Promise<void>((resolve) => {
      const handle = server.watch({ key: b('w'), rangeEnd: b('x') }, (r) => {
        for (const e of r.events) seen.push(`${e.type} ${s(e.kv.key)} ${s(e.kv.value)}`);
        if (seen.length === 3) {
          handle.cancel();
          resolve();
        }
      });
    });
    await server.kv.put({ key: b('w1'), value: b('a') });
    await server.kv.put({ key: b('w2'), value: b('b') });
    await server.kv.deleteRange({ key: b('w1') });
    await within(done, 3000, 'watch events');
    expect(seen).toEqual(['PUT w1 a', 'PUT w2 b', 'DELETE w1 ']);
  });
});
