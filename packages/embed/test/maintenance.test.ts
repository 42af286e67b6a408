// Goal: server.maintenance answers as etcd's Maintenance service (status, hashKV, alarms list
// and disarm, defragment, snapshot) with response headers, and the gRPC API answers through the
// same code: `etcdctl defrag` prints etcd's "Finished defragmenting etcd member[...]". A
// defragmentation after filling, deleting and compacting shrinks the file and keeps HashKV and
// every key, and writes and watches go on. Method: one real member (LMDB in a temp dir, fsync
// on), Debian's /usr/bin/etcdctl with ETCDCTL_API=3 and time limits.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { WatchResponse } from '@keel/kv-mvcc';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Server } from '../src/index.js';
import { testMembers, withFsync } from './cluster.js';
import { clientEndpoint, etcdctl, type EtcdctlResult } from './etcdctl-runner.js';
import { b, s, within } from './helpers.js';

const t = testMembers({ perFile: true });
let server: Server;

/** etcdctl at this member; a defragmentation may take a while on a loaded machine. */
const ctl = (args: readonly string[]): Promise<EtcdctlResult> =>
  etcdctl(server, args, { commandTimeoutS: 20, killAfterMs: 30_000 });

beforeAll(async () => {
  server = await t.start(t.soloConfig('maint'), withFsync);
  await within(server.ready, 5000, 'ready');
});

const storeFileBytes = (): number => statSync(join(t.dir, 'member', 'kv', 'data.mdb')).size;
const key = (i: number): Buffer => b(`fill/${String(i).padStart(5, '0')}`);

/** 1200 keys of 1 KB written three times (100 puts per txn), two thirds deleted, compacted. */
async function fillAndThin(): Promise<void> {
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 1200; i += 100) {
      const success = Array.from({ length: 100 }, (_, j) => ({
        requestPut: { key: key(i + j), value: b(`${String(round)}${'x'.repeat(1000)}`) },
      }));
      await server.kv.txn({ compare: [], success, failure: [] });
    }
  }
  for (let i = 0; i < 1200; i++) if (i % 3 !== 0) await server.kv.deleteRange({ key: key(i) });
  await server.kv.compact({ revision: server.store.revision, physical: true });
}

describe('server.maintenance', () => {
  it('status reports this member with a header', async () => {
    const st = await server.maintenance.status();
    expect(st.header).toMatchObject({ memberId: server.memberId, clusterId: server.clusterId });
    expect(st.leader).toBe(server.memberId);
    expect(st.raftAppliedIndex).toBe(server.appliedIndex);
    expect(st.isLearner).toBe(false);
    expect(st.dbSizeInUseBytes).toBeLessThanOrEqual(st.dbSizeBytes);
    expect(st.errors).toEqual([]);
  });

  it('lists and disarms alarms through Raft', async () => {
    const nospace = { memberID: server.memberId, alarm: 'NOSPACE' } as const;
    await server.maintenance.alarm({ action: 'ACTIVATE', ...nospace });
    expect((await server.maintenance.alarmList()).alarms).toEqual([nospace]);
    await expect(server.kv.put({ key: b('a'), value: b('1') })).rejects.toMatchObject({
      code: 'NO_SPACE',
    });
    expect((await server.maintenance.status()).errors).toHaveLength(1);
    expect((await server.maintenance.alarmDisarm(nospace)).alarms).toEqual([nospace]);
    expect((await server.maintenance.alarmList()).alarms).toEqual([]);
    await server.kv.put({ key: b('a'), value: b('1') });
  });

  it('defragments: the file shrinks, HashKV and every key stay, writes and watches go on', async () => {
    await fillAndThin();
    const hash = await server.maintenance.hashKV();
    const all = await server.kv.range({ key: b('fill/'), rangeEnd: b('fill0') });
    expect(all.count).toBe(400);
    const fileBefore = storeFileBytes();
    const seen: WatchResponse[] = [];
    const watch = server.watch({ key: b('after') }, (r) => seen.push(r));
    const res = await server.maintenance.defragment();
    expect(res.header.memberId).toBe(server.memberId);
    expect(storeFileBytes()).toBeLessThan(fileBefore / 2);
    const again = await server.maintenance.hashKV(hash.hashRevision);
    expect(again.hash).toBe(hash.hash);
    expect(again.compactRevision).toBe(hash.compactRevision);
    expect((await server.kv.range({ key: b('fill/'), rangeEnd: b('fill0') })).kvs).toEqual(all.kvs);
    await server.kv.put({ key: b('after'), value: b('defrag') });
    expect(s((await server.kv.range({ key: b('after') })).kvs[0]?.value)).toBe('defrag');
    expect(seen.flatMap((r) => r.events.map((e) => s(e.kv.value)))).toEqual(['defrag']);
    watch.cancel();
  }, 60_000);

  it('hashKV at a compacted revision is COMPACTED', async () => {
    await expect(server.maintenance.hashKV(2)).rejects.toMatchObject({ code: 'COMPACTED' });
  });

  it('gives a snapshot padded to 512-byte pages', async () => {
    const snap = await server.maintenance.snapshot();
    expect(snap.sizeBytes % 512).toBe(0);
    let size = 0;
    for await (const chunk of snap.chunks) size += chunk.length;
    expect(size).toBe(snap.sizeBytes);
  });

  it('serves etcdctl defrag with etcd answer', async () => {
    const { code, out } = await ctl(['defrag']);
    expect(code).toBe(0);
    expect(out.trim()).toBe(`Finished defragmenting etcd member[${clientEndpoint(server)}]`);
    expect((await ctl(['put', 'ctl', 'after-defrag'])).code).toBe(0);
    expect(s((await server.kv.range({ key: b('ctl') })).kvs[0]?.value)).toBe('after-defrag');
  }, 60_000);
});
