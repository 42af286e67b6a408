// Goal: the `etcd3` npm client works unchanged against Keel's etcd API: KV, the txn builder,
// watches (including picking up again after a compaction), leases with keep-alive, and its
// locks and elections (which it builds on KV, Watch and Lease). Method: a real server on
// 127.0.0.1 over the single-member test backend, driven only through the client's public API.
import { Etcd3, EtcdLeaseInvalidError, type IKeyValue } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.js';

let t: TestServer;
let client: Etcd3;

beforeAll(async () => {
  t = await startTestServer();
  client = new Etcd3({ hosts: t.endpoint, dialTimeout: 3000 });
});

afterAll(async () => {
  client.close();
  await t.close();
});

/** Resolves with the first `count` values of `events` emitted by `emitter`, or fails in 5 s. */
function collect<T>(
  emitter: { on(event: string, fn: (v: T) => void): unknown },
  event: string,
  count: number,
): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const seen: T[] = [];
    const timer = setTimeout(() => {
      reject(new Error(`only ${seen.length} of ${count} ${event} events in 5 s`));
    }, 5000);
    emitter.on(event, (v) => {
      seen.push(v);
      if (seen.length === count) {
        clearTimeout(timer);
        resolve(seen);
      }
    });
  });
}

describe('etcd3 KV', () => {
  it('puts, gets, lists a prefix, counts and deletes', async () => {
    await client.put('kv/a').value('1');
    await client.put('kv/b').value('2');
    expect(await client.get('kv/a').string()).toBe('1');
    expect(await client.getAll().prefix('kv/').strings()).toEqual({ 'kv/a': '1', 'kv/b': '2' });
    expect(await client.getAll().prefix('kv/').count()).toBe(2);
    const del = await client.delete().key('kv/a').exec();
    expect(del.deleted).toBe('1');
    expect(await client.get('kv/a').string()).toBeNull();
  });

  it('runs the txn builder: then when the compare holds, else otherwise', async () => {
    await client.put('tx/k').value('v1');
    const yes = await client
      .if('tx/k', 'Value', '==', 'v1')
      .then(client.put('tx/k').value('v2'))
      .else(client.put('tx/no').value('x'))
      .commit();
    expect(yes.succeeded).toBe(true);
    const no = await client
      .if('tx/k', 'Value', '==', 'v1')
      .then(client.put('tx/k').value('v3'))
      .else(client.get('tx/k'))
      .commit();
    expect(no.succeeded).toBe(false);
    const kvs = no.responses[0]?.response_range.kvs as IKeyValue[];
    expect(kvs[0]?.value.toString()).toBe('v2');
  });
});

describe('etcd3 watch', () => {
  it('delivers puts and deletes on a prefix', async () => {
    const watcher = await client.watch().prefix('wt/').create();
    const puts = collect<IKeyValue>(watcher, 'put', 2);
    const deletes = collect<IKeyValue>(watcher, 'delete', 1);
    await client.put('wt/a').value('1');
    await client.put('wt/b').value('2');
    await client.delete().key('wt/a');
    expect((await puts).map((kv) => `${kv.key.toString()}=${kv.value.toString()}`)).toEqual([
      'wt/a=1',
      'wt/b=2',
    ]);
    expect((await deletes).map((kv) => kv.key.toString())).toEqual(['wt/a']);
    await watcher.cancel();
  });

  it('reports a compacted start revision, and watching from the compaction point resumes', async () => {
    await client.put('wc/k').value('1');
    const old = t.backend.store.revision;
    await client.put('wc/k').value('2');
    await client.put('wc/k').value('3');
    const compactAt = t.backend.store.revision - 1;
    await t.backend.compact({ revision: compactAt });
    const stale = await client.watch().key('wc/k').startRevision(String(old)).create();
    const [err] = await collect<Error>(stale, 'error', 1);
    expect(err?.message).toMatch(/compacted/);
    const resumed = await client.watch().key('wc/k').startRevision(String(compactAt)).create();
    const puts = await collect<IKeyValue>(resumed, 'put', 2);
    expect(puts.map((kv) => kv.value.toString())).toEqual(['2', '3']);
    await resumed.cancel();
  });
});

describe('etcd3 leases', () => {
  it('grants, attaches keys, keeps alive and revokes', async () => {
    const lease = client.lease(30, { autoKeepAlive: false });
    const id = await lease.grant();
    await lease.put('ls/k').value('v');
    const kv = (await client.get('ls/k').exec()).kvs[0];
    expect(kv?.lease).toBe(id);
    const ka = await lease.keepaliveOnce();
    expect(ka.TTL).toBe('30');
    await lease.revoke();
    expect(await client.get('ls/k').string()).toBeNull();
  });

  it('answers a keep-alive for a revoked lease with a lease-invalid error', async () => {
    const lease = client.lease(30, { autoKeepAlive: false });
    await lease.grant();
    const again = client.lease(30, { autoKeepAlive: false });
    const id = await again.grant();
    await client.leaseClient.leaseRevoke({ ID: id });
    await expect(again.keepaliveOnce()).rejects.toBeInstanceOf(EtcdLeaseInvalidError);
    await lease.revoke();
  });

  it('keeps a lease alive through the keep-alive stream', async () => {
    const lease = client.lease(2);
    const [res] = await collect<{ TTL: string }>(lease, 'keepaliveSucceeded', 1);
    expect(res?.TTL).toBe('2');
    await lease.revoke();
  });
});

describe('etcd3 locks and elections', () => {
  it('serialises two holders of one lock', async () => {
    const order: string[] = [];
    const first = client.lock('lk/one').ttl(10);
    await first.acquire();
    const second = client.lock('lk/one').ttl(10);
    await expect(second.acquire()).rejects.toThrow(/Failed to acquire a lock/);
    order.push('first');
    await first.release();
    await second.acquire();
    order.push('second');
    await second.release();
    expect(order).toEqual(['first', 'second']);
  });

  it('elects one campaigner and hands leadership on when it resigns', async () => {
    const election = client.election('el/one', 10);
    const a = election.campaign('a');
    await a.wait();
    expect(await election.leader()).toBe('a');
    const b = election.campaign('b');
    const bWon = b.wait();
    await a.resign();
    await bWon;
    expect(await election.leader()).toBe('b');
    await b.resign();
  });
});
