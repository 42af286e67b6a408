// Goal: Raft snapshots and log compaction every snapshotCount applied entries, and snapshot
// transfer to a member that fell behind the compacted log: it installs the leader's store, ends
// with an equal HashKV at the same revision and reads every acknowledged write. A restart after
// compaction keeps every write; a restart after a crash between saving a received snapshot in
// the WAL and installing it finishes the install; a WAL snapshot with no store data behind it
// refuses to start (DATA_DIR_DAMAGED).
// Method: real LMDB in temp directories, real sockets on 127.0.0.1, members in one process;
// waits are on promises with deadlines (a linearizable read resolves once the member caught up).
import { describe, expect, it } from 'vitest';
import { MvccStore } from '@keel/kv-mvcc';
import { RaftLog } from '@keel/raft-wal';
import { writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { isEmbedError, startServer, type Server, type ServerConfig } from '../src/index.js';
import { readClusterFile } from '../src/cluster-file.js';
import { snapshotDir, snapshotFilePath } from '../src/snapshot-files.js';
import { encodeSnapshotHead, memberTableOf } from '../src/snapshot-head.js';
import { agreedLeader, testMembers } from './cluster.js';
import { b, s, within } from './helpers.js';

const snapshotCount = 50;
const snapshotCatchUpEntries = 10;
const t = testMembers({ close: { skipLeaderTransfer: true } });

function clusterConfigs(): Promise<ServerConfig[]> {
  return t.founderConfigs({ extraOf: () => ({ snapshotCount, snapshotCatchUpEntries }) });
}

function singleConfig(name: string): ServerConfig {
  return {
    name,
    dataDir: join(t.dir, name),
    listenClientUrls: ['http://127.0.0.1:0'],
    advertiseClientUrls: ['http://127.0.0.1:0'],
    snapshotCount,
    snapshotCatchUpEntries,
  };
}

type CounterName = 'snapshotsSaved' | 'snapshotReceiveSuccess' | 'snapshotSendSuccess';

async function counter(m: Server, name: CounterName): Promise<number> {
  const got = await m.metrics[name].get();
  return got.values.reduce((sum, v) => sum + v.value, 0);
}

/** Puts `count` keys `k<from + i>` through `via`, some concurrently; returns the keys. */
async function putKeys(via: Server, from: number, count: number): Promise<string[]> {
  const keys: string[] = [];
  for (let i = 0; i < count; i += 10) {
    const batch = Array.from({ length: Math.min(10, count - i) }, (_, j) => `k${from + i + j}`);
    await within(
      Promise.all(batch.map((k) => via.kv.put({ key: b(k), value: b(`v-${k}`) }))),
      10_000,
      'puts',
    );
    keys.push(...batch);
  }
  return keys;
}

async function readAll(m: Server): Promise<Map<string, string | undefined>> {
  const r = await within(m.kv.range({ key: b('k'), rangeEnd: b('l') }), 10_000, 'read all');
  return new Map(r.kvs.map((kv) => [s(kv.key) ?? '', s(kv.value)]));
}

function walState(walDir: string): { first: number; snapshot: number; last: number } {
  const log = RaftLog.open({ dir: walDir });
  try {
    return {
      first: log.firstIndex(),
      snapshot: log.snapshot().metadata.index,
      last: log.lastIndex(),
    };
  } finally {
    void log.close();
  }
}

describe('snapshots', () => {
  it('a member closed while more than snapshotCount entries commit catches up by snapshot', async () => {
    const configs = await clusterConfigs();
    t.servers = await Promise.all(configs.map((c) => startServer(c, { unsafeNoSync: true })));
    const leader = await within(agreedLeader(t.servers), 10_000, 'election');
    const acked = await putKeys(leader, 0, 20);
    const lagging = t.servers.find((m) => m !== leader);
    if (lagging === undefined) throw new Error('no follower');
    const laggingConfig = configs.find((c) => c.name === lagging.name);
    if (laggingConfig === undefined) throw new Error('no config');
    await lagging.close();
    t.servers = t.servers.filter((m) => m !== lagging);
    acked.push(...(await putKeys(leader, 20, 4 * snapshotCount)));
    expect(await counter(leader, 'snapshotsSaved')).toBeGreaterThan(0);

    // Restarted with a smaller snapshotCount, it records snapshots of its own right after the
    // install, while its store (the leader's, taken later than the leader's Raft snapshot) is
    // usually ahead of what Raft has applied.
    const back = await startServer({ ...laggingConfig, snapshotCount: 5 }, { unsafeNoSync: true });
    t.servers.push(back);
    // A linearizable read on the restarted member resolves once it applied everything acked.
    const got = await readAll(back);
    expect(await counter(back, 'snapshotReceiveSuccess')).toBeGreaterThanOrEqual(1);
    expect(await counter(leader, 'snapshotSendSuccess')).toBeGreaterThanOrEqual(1);
    for (const k of acked) expect(got.get(k), k).toBe(`v-${k}`);
    expect(got.size).toBe(acked.length);
    // Writes through the restarted member go on, then every member has the same history.
    acked.push(...(await putKeys(back, 1000, 10)));
    for (const m of t.servers) await readAll(m);
    const revision = leader.store.revision;
    const hashes = t.servers.map((m) => m.store.hashKV({ revision }).hash);
    expect(new Set(hashes).size).toBe(1);
    expect(t.servers.map((m) => m.store.revision)).toEqual(t.servers.map(() => revision));
    expect(await counter(back, 'snapshotsSaved')).toBeGreaterThan(0);
  }, 60_000);

  it('compacts the WAL every snapshotCount entries and a restart keeps every write', async () => {
    const config = singleConfig('solo');
    const first = await startServer(config);
    t.servers = [first];
    await within(first.ready, 5000, 'ready');
    const acked = await putKeys(first, 0, 3 * snapshotCount);
    await first.close();
    t.servers = [];
    const wal = walState(join(config.dataDir ?? '', 'member', 'wal'));
    expect(wal.snapshot).toBeGreaterThan(2 * snapshotCount);
    expect(wal.first).toBe(wal.snapshot - snapshotCatchUpEntries + 1);
    expect(wal.last).toBeGreaterThanOrEqual(wal.snapshot);

    const again = await startServer(config);
    t.servers = [again];
    await within(again.ready, 5000, 'ready after restart');
    const got = await readAll(again);
    for (const k of acked) expect(got.get(k), k).toBe(`v-${k}`);
    await putKeys(again, 500, 5);
  }, 60_000);

  it('finishes an install cut short by a crash, and refuses a WAL snapshot without data', async () => {
    // Member "source" holds the state a leader would send; member "target" crashed after
    // saving that snapshot in its WAL but before installing it into its store.
    const source = await startServer(singleConfig('source'));
    t.servers = [source];
    await within(source.ready, 5000, 'ready');
    await putKeys(source, 0, 30);
    const sourceRevision = source.store.revision;
    const sourceHash = source.store.hashKV({ revision: sourceRevision }).hash;
    await source.close();
    const target = await startServer(singleConfig('target'));
    t.servers = [target];
    await within(target.ready, 5000, 'ready');
    await putKeys(target, 900, 3);
    await target.close();
    t.servers = [];

    const store = MvccStore.open({ path: join(t.dir, 'source', 'member', 'kv') });
    const index = store.consistentIndex;
    const targetDir = join(t.dir, 'target');
    mkdirSync(snapshotDir(targetDir), { recursive: true });
    // The body a leader sends: its member table (here the target's own, with a marker in its
    // removed list that only an installed table can bring), then the store.
    const file = readClusterFile(targetDir);
    if (file === undefined) throw new Error('target has no cluster.json');
    const table = { ...memberTableOf(file), removed: [4242] };
    const head = encodeSnapshotHead(table);
    writeFileSync(snapshotFilePath(targetDir, index), Buffer.concat([head, ...store.snapshot()]));
    await store.close();
    const log = RaftLog.open({ dir: join(targetDir, 'member', 'wal') });
    const { hardState, confState } = log.initialState();
    expect(log.lastIndex()).toBeLessThan(index);
    const metadata = { index, term: hardState.term, confState };
    await log.save({
      snapshot: { data: new Uint8Array(0), metadata },
      hardState: { ...hardState, commit: index },
    });
    await log.close();

    const restarted = await startServer(singleConfig('target'));
    t.servers = [restarted];
    await within(restarted.ready, 5000, 'ready after the interrupted install');
    expect(restarted.store.revision).toBe(sourceRevision);
    expect(restarted.store.hashKV({ revision: sourceRevision }).hash).toBe(sourceHash);
    expect(existsSync(snapshotFilePath(targetDir, index))).toBe(false);
    expect(readClusterFile(targetDir)?.removed).toEqual([4242]);
    expect((await readAll(restarted)).size).toBe(30);
    await putKeys(restarted, 950, 2);
    await restarted.close();
    t.servers = [];

    const damaged = RaftLog.open({ dir: join(targetDir, 'member', 'wal') });
    const st = damaged.initialState();
    const ahead = damaged.lastIndex() + 100;
    await damaged.save({
      snapshot: {
        data: new Uint8Array(0),
        metadata: { index: ahead, term: st.hardState.term, confState: st.confState },
      },
      hardState: { ...st.hardState, commit: ahead },
    });
    await damaged.close();
    const refused = await startServer(singleConfig('target')).then(
      (m) => {
        t.servers = [m];
      },
      (e: unknown) => e,
    );
    expect(isEmbedError(refused, 'DATA_DIR_DAMAGED')).toBe(true);
  }, 60_000);
});
