// Goal: one member in process does what etcd's single member does: elects itself, writes through
// Raft into the store, serves linearizable and serializable reads, and keeps every acknowledged
// write across restarts from its data directory; close() is idempotent and settles pending work.
// Method: real LMDB in temp directories, the real clock with fast ticks; a manual clock where a
// test needs time to pass without waiting (TIMEOUT).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isEmbedError, startServer, type Server, type ServerConfig } from '../src/index.js';
import { b, ManualClock, s, tempDir, within } from './helpers.js';

const fast = { tickMs: 10, electionMs: 100 } as const;
let dir: string;
let remove: () => Promise<void>;
const open: Server[] = [];

function config(extra: ServerConfig = {}): ServerConfig {
  return {
    name: 'solo',
    dataDir: dir,
    listenClientUrls: ['http://127.0.0.1:0'],
    advertiseClientUrls: ['http://127.0.0.1:0'],
    ...fast,
    ...extra,
  };
}

async function start(extra: ServerConfig = {}, clock?: ManualClock): Promise<Server> {
  const server = await startServer(config(extra), clock === undefined ? {} : { clock });
  open.push(server);
  return server;
}

beforeEach(async () => {
  ({ dir, remove } = await tempDir());
});

afterEach(async () => {
  for (const server of open.splice(0)) await server.close();
  await remove();
});

describe('single member', () => {
  it('elects itself, writes, reads and reports headers', async () => {
    const server = await start();
    await within(server.ready, 5000, 'ready');
    expect(server.isLeader()).toBe(true);
    expect(server.leaderId).toBe(server.memberId);
    expect(server.term).toBeGreaterThanOrEqual(2);
    const put = await server.kv.put({ key: b('a'), value: b('1') });
    expect(put.revision).toBe(2); // etcd's first write is revision 2
    expect(put.header).toEqual({
      clusterId: server.clusterId,
      memberId: server.memberId,
      revision: 2,
      raftTerm: server.term,
    });
    await server.kv.put({ key: b('b'), value: b('2') });
    const lin = await server.kv.range({ key: b('a'), rangeEnd: b('c') });
    expect(lin.kvs.map((kv) => [s(kv.key), s(kv.value)])).toEqual([
      ['a', '1'],
      ['b', '2'],
    ]);
    const ser = await server.kv.range({ key: b('b'), serializable: true });
    expect(s(ser.kvs[0]?.value)).toBe('2');
    const txn = await server.kv.txn({
      compare: [{ result: 'EQUAL', target: 'VALUE', key: b('a'), value: b('1') }],
      success: [{ requestPut: { key: b('a'), value: b('3') } }],
      failure: [],
    });
    expect([txn.succeeded, txn.revision]).toEqual([true, 4]);
    const del = await server.kv.deleteRange({ key: b('b') });
    expect([del.deleted, del.revision]).toEqual([1, 5]);
    const compact = await server.kv.compact({ revision: 4, physical: true });
    expect(compact.header.revision).toBe(5);
    await expect(server.kv.range({ key: b('a'), revision: 3 })).rejects.toMatchObject({
      code: 'COMPACTED',
    });
  });

  it('serves concurrent writes and reads in batches, each settled with its own result', async () => {
    const server = await start();
    await within(server.ready, 5000, 'ready');
    const puts = await Promise.all(
      Array.from({ length: 200 }, (_, i) => server.kv.put({ key: b(`k${i}`), value: b(`v${i}`) })),
    );
    expect(new Set(puts.map((p) => p.revision)).size).toBe(200);
    const reads = await Promise.all(
      Array.from({ length: 50 }, (_, i) => server.kv.range({ key: b(`k${i * 4}`) })),
    );
    expect(reads.map((r) => s(r.kvs[0]?.value))).toEqual(
      Array.from({ length: 50 }, (_, i) => `v${i * 4}`),
    );
  });

  it('restarts from its data directory with every acknowledged write', async () => {
    const first = await start();
    await within(first.ready, 5000, 'ready');
    for (let i = 0; i < 30; i++) await first.kv.put({ key: b(`k${i}`), value: b(`v${i}`) });
    const { memberId, clusterId } = first;
    await first.close();
    // The bootstrap settings are ignored on restart: another token would derive other IDs.
    const second = await start({ initialClusterToken: 'another-token' });
    await within(second.ready, 5000, 'ready after restart');
    expect([second.memberId, second.clusterId]).toEqual([memberId, clusterId]);
    const all = await second.kv.range({ key: b('k'), rangeEnd: b('l') });
    expect(all.count).toBe(30);
    expect((await second.kv.put({ key: b('k0'), value: b('again') })).revision).toBe(32);
    await second.close();
    const third = await start();
    await within(third.ready, 5000, 'ready after second restart');
    expect(s((await third.kv.range({ key: b('k0') })).kvs[0]?.value)).toBe('again');
  });

  it('close is idempotent and settles what waits', async () => {
    const server = await start();
    await within(server.ready, 5000, 'ready');
    const closing = server.close();
    expect(server.close()).toBe(closing);
    await closing;
    await expect(server.kv.put({ key: b('x'), value: b('y') })).rejects.toSatisfy((e) =>
      isEmbedError(e, 'STOPPED'),
    );
  });

  it('refuses a request larger than maxRequestBytes', async () => {
    const server = await start({ maxRequestBytes: 1024 });
    await within(server.ready, 5000, 'ready');
    await expect(server.kv.put({ key: b('big'), value: Buffer.alloc(2048) })).rejects.toSatisfy(
      (e) => isEmbedError(e, 'REQUEST_TOO_LARGE'),
    );
    expect((await server.kv.put({ key: b('small'), value: b('ok') })).revision).toBe(2);
  });
});

describe('a member without quorum', () => {
  // A member of a three-member cluster started alone: it can never elect a leader.
  const lonely: ServerConfig = {
    name: 'a',
    listenPeerUrls: ['http://127.0.0.1:0'],
    initialAdvertisePeerUrls: ['http://127.0.0.1:1'],
    initialCluster: 'a=http://127.0.0.1:1,b=http://127.0.0.1:2,c=http://127.0.0.1:3',
  };

  it('refuses writes with NOT_LEADER and closes before ready, rejecting what waits', async () => {
    const server = await start(lonely);
    expect(server.leaderId).toBe(0);
    await expect(server.kv.put({ key: b('k'), value: b('v') })).rejects.toSatisfy((e) =>
      isEmbedError(e, 'NOT_LEADER'),
    );
    const read = server.kv.range({ key: b('k') });
    await within(server.close(), 5000, 'close without quorum');
    await expect(read).rejects.toSatisfy((e) => isEmbedError(e, 'STOPPED'));
    await expect(server.ready).rejects.toSatisfy((e) => isEmbedError(e, 'STOPPED'));
  });

  it('times a linearizable read out after 5 s + 2 x electionMs', async () => {
    const clock = new ManualClock();
    const server = await start(lonely, clock);
    const read = server.kv.range({ key: b('k') });
    const outcome = read.then(
      () => 'resolved',
      (e: unknown) => (isEmbedError(e, 'TIMEOUT') ? 'TIMEOUT' : String(e)),
    );
    clock.advance(5000 + 2 * fast.electionMs - 1);
    const early = await Promise.race([outcome, Promise.resolve('waiting')]);
    expect(early).toBe('waiting');
    clock.advance(1);
    expect(await within(outcome, 2000, 'timeout')).toBe('TIMEOUT');
  });
});

describe('the backend quota', () => {
  it('refuses writes with NO_SPACE and raises the NOSPACE alarm; reads and deletes go on', async () => {
    const server = await start({ quotaBackendBytes: 1, listenMetricsUrls: ['http://127.0.0.1:0'] });
    await within(server.ready, 5000, 'ready');
    await expect(server.kv.put({ key: b('k'), value: b('v') })).rejects.toMatchObject({
      code: 'NO_SPACE',
    });
    const health = await fetch(`${server.metricsUrls[0] ?? ''}/health`);
    expect([health.status, await health.json()]).toEqual([
      503,
      { health: 'false', reason: 'ALARM NOSPACE' },
    ]);
    expect((await server.kv.range({ key: b('k') })).count).toBe(0);
    expect((await server.kv.deleteRange({ key: b('k') })).deleted).toBe(0);
  });
});
