// Goal: lease keep-alives and time-to-live asked of a follower reach the leader (etcd's
// forwarding over the peer listener), so a client connected to a follower keeps its lease alive;
// a follower reports the leader's remaining TTL; a gone lease is LEASE_NOT_FOUND through a
// follower; with no leader a keep-alive ends in NOT_LEADER after the request's time limit; and a
// new leader gives every lease its TTL again plus an election timeout (etcd's Promote).
// Method: three real members in one process (LMDB in temp dirs, ws peers and the peer listener's
// HTTP on 127.0.0.1), the `etcd3` npm client connected to a follower only, real time (etcd's TTLs
// are whole seconds, so the tests let a few seconds pass), waits on events with deadlines.
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Server, TlsConfig } from '../src/index.js';
import { agreedLeader, testMembers } from './cluster.js';
import { b, pause, s, within } from './helpers.js';
import { TestCerts } from './tls-certs.js';

const t = testMembers({ close: { skipLeaderTransfer: true } });

/** Resolves at the first DELETE of `key` seen by a watch on `server`. */
function deletion(server: Server, key: string): Promise<void> {
  return new Promise((resolve) => {
    const handle = server.watch({ key: b(key) }, (r) => {
      if (!r.events.some((e) => e.type === 'DELETE')) return;
      handle.cancel();
      resolve();
    });
  });
}

/** Starts m0..m2 (with `peerTlsOf`, on https peer URLs with that peer TLS) and their leader. */
async function cluster(
  peerTlsOf?: (i: number) => TlsConfig,
): Promise<{ leader: Server; followers: Server[] }> {
  const servers = await t.startFounders(peerTlsOf === undefined ? {} : { peerTlsOf });
  const leader = await within(agreedLeader(servers), 10_000, 'election');
  return { leader, followers: servers.filter((m) => m !== leader) };
}

describe('leases through a follower', () => {
  it('keep-alives sent to a follower keep the lease alive past its TTL', async () => {
    const { leader, followers } = await cluster();
    const follower = followers[0] as Server;
    const grant = await follower.lease.grant({ TTL: 2 });
    await follower.kv.put({ key: b('kept'), value: b('v'), lease: grant.ID });
    const gone = deletion(leader, 'kept');
    let expired = false;
    void gone.then(() => (expired = true));
    // Twice the TTL, renewing every 400 ms through the follower only.
    for (let i = 0; i < 10; i++) {
      const res = await follower.lease.keepAlive(grant.ID);
      expect(res).toMatchObject({ ID: grant.ID, TTL: 2 });
      expect(res.header.memberId).toBe(follower.memberId);
      await pause(400);
    }
    expect(expired).toBe(false);
    expect(s((await leader.kv.range({ key: b('kept') })).kvs[0]?.value)).toBe('v');
    // Without keep-alives the leader revokes it through the log.
    await within(gone, 6000, 'expiry after the keep-alives stop');
    expect((await follower.kv.range({ key: b('kept') })).count).toBe(0);
  });

  it("a follower's timeToLive reports the leader's remaining TTL and the lease's keys", async () => {
    const { leader, followers } = await cluster();
    const follower = followers[1] as Server;
    const grant = await leader.lease.grant({ TTL: 10 });
    await leader.kv.put({ key: b('ttl-key'), value: b('v'), lease: grant.ID });
    await pause(2200);
    const onFollower = await follower.lease.timeToLive({ ID: grant.ID, keys: true });
    // The follower's own store knows only the granted TTL (10); the leader has counted down.
    expect(onFollower.grantedTTL).toBe(10);
    expect(onFollower.TTL).toBeLessThanOrEqual(7);
    expect(onFollower.TTL).toBeGreaterThanOrEqual(1);
    expect(onFollower.keys.map((k) => s(k))).toEqual(['ttl-key']);
    expect(onFollower.header.memberId).toBe(follower.memberId);
    const onLeader = await leader.lease.timeToLive({ ID: grant.ID });
    expect(Math.abs(onLeader.TTL - onFollower.TTL)).toBeLessThanOrEqual(1);
  });

  it('a gone lease is LEASE_NOT_FOUND through a follower', async () => {
    const { followers } = await cluster();
    const follower = followers[0] as Server;
    const grant = await follower.lease.grant({ TTL: 30 });
    await follower.lease.revoke(grant.ID);
    await expect(follower.lease.keepAlive(grant.ID)).rejects.toMatchObject({
      code: 'LEASE_NOT_FOUND',
    });
    await expect(follower.lease.timeToLive({ ID: grant.ID })).rejects.toMatchObject({
      code: 'LEASE_NOT_FOUND',
    });
  });

  it("the etcd3 client's lease keep-alive works against a follower", async () => {
    const { leader, followers } = await cluster();
    const follower = followers[0] as Server;
    const client = new Etcd3({ hosts: follower.clientUrls[0] ?? '' });
    try {
      const lease = client.lease(2, { autoKeepAlive: true });
      let lost = false;
      lease.on('lost', () => (lost = true));
      await within(lease.put('client-kept').value('v').exec(), 10_000, 'put with the lease');
      const id = Number(await lease.grant());
      const renewals: number[] = [];
      lease.on('keepaliveSucceeded', () => renewals.push(Date.now()));
      await pause(5000);
      expect(lost).toBe(false);
      expect(renewals.length).toBeGreaterThanOrEqual(3);
      expect(s((await leader.kv.range({ key: b('client-kept') })).kvs[0]?.value)).toBe('v');
      expect((await leader.lease.timeToLive({ ID: id })).TTL).toBeGreaterThanOrEqual(1);
      await lease.revoke();
    } finally {
      client.close();
    }
  });

  it('with no leader a keep-alive ends in NOT_LEADER after the time limit', async () => {
    const { leader, followers } = await cluster();
    const alone = followers[0] as Server;
    const grant = await alone.lease.grant({ TTL: 30 });
    const lost = new Promise<void>((resolve) => {
      const off = alone.onLeaderChange((c) => {
        if (c.leaderId !== 0) return;
        off();
        resolve();
      });
    });
    await Promise.all(
      [leader, followers[1] as Server].map((m) => m.close({ skipLeaderTransfer: true })),
    );
    await within(lost, 10_000, 'the remaining member loses the leader');
    await expect(
      within(alone.lease.keepAlive(grant.ID), 15_000, 'keep-alive'),
    ).rejects.toMatchObject({
      code: 'NOT_LEADER',
    });
  });
});

describe('leases through a follower over mutual TLS', () => {
  let certs: TestCerts;
  beforeAll(() => {
    certs = new TestCerts().make('ca', ['m0', 'm1', 'm2']);
  }, 20_000);
  afterAll(() => {
    certs.remove();
  });

  it('forwards keep-alives and time-to-live to a leader that requires client certificates', async () => {
    const { leader, followers } = await cluster((i) =>
      certs.tls(`m${i}`, { ca: 'ca', clientCertAuth: true }),
    );
    expect(leader.peerUrls[0]).toMatch(/^https:/);
    const follower = followers[0] as Server;
    const grant = await follower.lease.grant({ TTL: 20 });
    expect(await follower.lease.keepAlive(grant.ID)).toMatchObject({ ID: grant.ID, TTL: 20 });
    const ttl = await follower.lease.timeToLive({ ID: grant.ID });
    expect(ttl.grantedTTL).toBe(20);
    expect(ttl.TTL).toBeGreaterThanOrEqual(18);
  });
});

describe('a new leader', () => {
  it('gives every lease its TTL again plus an election timeout (etcd Promote)', async () => {
    const { leader, followers } = await cluster();
    const grant = await leader.lease.grant({ TTL: 10 });
    await leader.kv.put({ key: b('promoted'), value: b('v'), lease: grant.ID });
    await pause(3000);
    expect((await leader.lease.timeToLive({ ID: grant.ID })).TTL).toBeLessThanOrEqual(7);
    await leader.close({ skipLeaderTransfer: true });
    const next = await within(agreedLeader(followers), 10_000, 're-election');
    const ttl = await next.lease.timeToLive({ ID: grant.ID });
    // 10 s + 0.2 s from the promotion, read moments later: etcd reports 10 here.
    expect(ttl.TTL).toBeGreaterThanOrEqual(8);
    expect(ttl.TTL).toBeLessThanOrEqual(10);
    expect(s((await next.kv.range({ key: b('promoted') })).kvs[0]?.value)).toBe('v');
  });
});
