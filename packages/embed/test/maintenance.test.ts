// Goal: server.maintenance answers as etcd's Maintenance service (status, hashKV, alarms list
// and disarm, defragment, snapshot) with response headers, and the gRPC API answers through the
// same code: `etcdctl defrag` prints etcd's "Finished defragmenting etcd member[...]". A
// defragmentation after filling, deleting and compacting shrinks the file and keeps HashKV and
// every key, and writes and watches go on. Method: one real member (LMDB in a temp dir, fsync
// on), Debian's /usr/bin/etcdctl with ETCDCTL_API=3 and time limits.
import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { WatchResponse } from '@keel/kv-mvcc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Server } from '../src/index.js';
import { b, s, tempDir, within } from './helpers.js';

let server: Server;
let dataDir: string;
let remove: () => Promise<void>;

function etcdctl(args: readonly string[]): Promise<{ code: number; out: string }> {
  const endpoint = (server.clientUrls[0] ?? '').replace(/^http:\/\//, '');
  return new Promise((resolve, reject) => {
    execFile(
      '/usr/bin/etcdctl',
      [`--endpoints=${endpoint}`, '--dial-timeout=3s', '--command-timeout=20s', ...args],
      { env: { ...process.env, ETCDCTL_API: '3' }, timeout: 30_000 },
      (err, stdout, stderr) => {
        if (err !== null && typeof err.code !== 'number') {
          reject(new Error(err.message));
          return;
        }
        resolve({ code: err === null ? 0 : Number(err.code), out: stdout + stderr });
      },
    );
  });
}

beforeAll(async () => {
  const t = await tempDir();
  ({ remove, dir: dataDir } = t);
  server = await startServer({
    name: 'maint',
    dataDir,
    listenClientUrls: ['http://127.0.0.1:0'],
    advertiseClientUrls: ['http://127.0.0.1:0'],
    tickMs: 10,
    electionMs: 100,
  });
  await within(server.ready, 5000, 'ready');
});

afterAll(async () => {
  await server.close();
  await remove();
});

const storeFileBytes = (): number => statSync(join(dataDir, 'member', 'kv', 'data.mdb')).size;
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
    const { code, out } = await etcdctl(['defrag']);
    expect(code).toBe(0);
    const endpoint = (server.clientUrls[0] ?? '').replace(/^http:\/\//, '');
    expect(out.trim()).toBe(`Finished defragmenting etcd member[${endpoint}]`);
    expect((await etcdctl(['put', 'ctl', 'after-defrag'])).code).toBe(0);
    expect(s((await server.kv.range({ key: b('ctl') })).kvs[0]?.value)).toBe('after-defrag');
  }, 60_000);
});
