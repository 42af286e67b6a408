// Goal: restoreMember turns a store snapshot into a new member's data directory, as etcdutl's
// snapshot restore: the member starts on it with a new identity and every key, takes writes, and
// a restore into a non-empty directory or from a damaged stream fails leaving nothing behind.
// Method: a real single member's store snapshot, real LMDB in temp directories.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isMvccError } from '@keel/kv-mvcc';
import { isEmbedError, restoreMember, startServer } from '../src/index.js';
import { freePeerUrls, initialClusterOf, testMembers } from './cluster.js';
import { b, s, within } from './helpers.js';

const t = testMembers();

const client = {
  listenClientUrls: ['http://127.0.0.1:0'],
  advertiseClientUrls: ['http://127.0.0.1:0'],
};

describe('restoreMember', () => {
  it('makes a data directory a new member starts from with every key', async () => {
    const source = await startServer({ name: 'src', dataDir: join(t.dir, 'src'), ...client });
    t.servers = [source];
    await within(source.ready, 5000, 'ready');
    for (let i = 0; i < 20; i++) await source.kv.put({ key: b(`k${i}`), value: b(`v${i}`) });
    await source.kv.deleteRange({ key: b('k0') });
    const bytes = Buffer.concat([...source.store.snapshot()]);
    const padded = Buffer.concat([bytes, Buffer.alloc(512 - (bytes.length % 512))]);
    const revision = source.store.revision;

    const config = {
      name: 'r1',
      dataDir: join(t.dir, 'restored'),
      initialCluster: 'r1=http://127.0.0.1:2390',
      initialAdvertisePeerUrls: ['http://127.0.0.1:2390'],
      initialClusterToken: 'restored-cluster',
    };
    const made = await restoreMember({ snapshot: [padded], config });
    expect(made.revision).toBe(revision);
    expect(readdirSync(t.dir).sort()).toEqual(['restored', 'src']);
    const restored = await startServer({ ...config, ...client });
    t.servers.push(restored);
    await within(restored.ready, 5000, 'restored ready');
    expect([restored.memberId, restored.clusterId]).toEqual([made.memberId, made.clusterId]);
    expect(restored.memberId).not.toBe(source.memberId);
    const got = await restored.kv.range({ key: b('k'), rangeEnd: b('l') });
    expect(got.kvs.map((kv) => s(kv.key)).sort()).toEqual(
      Array.from({ length: 19 }, (_, i) => `k${i + 1}`).sort(),
    );
    const put = await restored.kv.put({ key: b('after'), value: b('1') });
    expect(put.header.revision).toBe(revision + 1);
  }, 30_000);

  it('restores three members from one snapshot into a new cluster that agrees', async () => {
    const source = await startServer({ name: 'src', dataDir: join(t.dir, 'src'), ...client });
    t.servers = [source];
    await within(source.ready, 5000, 'ready');
    for (let i = 0; i < 10; i++) await source.kv.put({ key: b(`k${i}`), value: b(`v${i}`) });
    const bytes = Buffer.concat([...source.store.snapshot()]);
    const revision = source.store.revision;
    const urls = await freePeerUrls(3);
    const initialCluster = initialClusterOf(urls, 'n');
    const configs = urls.map((url, i) => ({
      name: `n${i}`,
      dataDir: join(t.dir, `n${i}`),
      initialCluster,
      initialAdvertisePeerUrls: [url],
      listenPeerUrls: [url],
      initialClusterToken: 'three',
      tickMs: 20,
      electionMs: 200,
    }));
    const made = await Promise.all(
      configs.map((config) => restoreMember({ snapshot: [bytes], config })),
    );
    expect(new Set(made.map((m) => m.clusterId)).size).toBe(1);
    const members = await Promise.all(configs.map((c) => startServer({ ...c, ...client })));
    t.servers.push(...members);
    await within(Promise.all(members.map((m) => m.ready)), 10_000, 'restored cluster ready');
    await within(
      members[1]?.kv.put({ key: b('new'), value: b('1') }) ??
        Promise.reject(new Error('no member')),
      10_000,
      'put',
    );
    for (const m of members) {
      const got = await within(m.kv.range({ key: b('k'), rangeEnd: b('l') }), 10_000, 'read');
      expect(got.kvs.map((kv) => s(kv.value))).toEqual(
        Array.from({ length: 10 }, (_, i) => `v${i}`),
      );
      expect((await m.kv.range({ key: b('new') })).kvs.length).toBe(1);
    }
    const hashes = members.map((m) => m.store.hashKV({ revision: revision + 1 }).hash);
    expect(new Set(hashes).size).toBe(1);
  }, 30_000);

  it('refuses a non-empty data directory and a damaged stream, leaving nothing', async () => {
    const busy = join(t.dir, 'busy');
    mkdirSync(busy);
    writeFileSync(join(busy, 'x'), 'x');
    const config = { name: 'r1', dataDir: busy };
    const refused = await restoreMember({ snapshot: [], config }).catch((e: unknown) => e);
    expect(isEmbedError(refused, 'INVALID_CONFIG')).toBe(true);
    expect(String(refused)).toContain(`data-dir "${busy}" not empty`);
    const fresh = join(t.dir, 'fresh');
    const bad = await restoreMember({
      snapshot: [Buffer.from('not a snapshot at all')],
      config: { name: 'r1', dataDir: fresh },
    }).catch((e: unknown) => e);
    expect(isMvccError(bad, 'SNAPSHOT_INVALID')).toBe(true);
    expect(readdirSync(t.dir).sort()).toEqual(['busy']);
    expect(existsSync(fresh)).toBe(false);
  });
});
