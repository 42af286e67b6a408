// Goal: the three-member demo's parts against a real `keel` process: a member that cannot start
// says why (MEMBER_EXITED, with keel's own message), the final check reads writes back at their
// revisions (a revision past the store's has no version), and it fails with CHECK_FAILED when no
// member serves. Method: one-member clusters (one process each, to keep CI cheap).
import { createServer, type Server } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findLostWrites } from '../src/acked-writes.js';
import { isDemoError } from '../src/errors.js';
import { LocalCluster } from '../src/local-cluster.js';
import { MemberProcess } from '../src/member-process.js';
import { freePort } from '../src/ports.js';
import { demoKey } from '../src/put-get-loop.js';
import { readBack } from '../src/read-back.js';

describe('MemberProcess', () => {
  let dir: string;
  let taken: Server;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keel-demo-test-'));
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await new Promise((resolve) => taken.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('says why a member cannot start: its client port is in use', async () => {
    const address = taken.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    const peerUrl = `http://127.0.0.1:${await freePort()}`;
    const member = new MemberProcess({
      name: 'm1',
      clientUrl: `http://127.0.0.1:${address.port}`,
      peerUrl,
      dataDir: join(dir, 'm1'),
      initialCluster: `m1=${peerUrl}`,
      clusterToken: 'keel-demo-test',
    });
    const started = member.start(() => undefined);
    await expect(started).rejects.toSatisfy((e) => isDemoError(e, 'MEMBER_EXITED'));
    await expect(started).rejects.toThrow(/member m1 exited \(code 1\) before serving clients/);
    await expect(started).rejects.toThrow(/EADDRINUSE/);
    expect(member.pid).toBeUndefined();
  }, 60_000);
});

describe('readBack', () => {
  it('reads the key at each revision, none past the store, then fails once nothing serves', async () => {
    const unexpected: string[] = [];
    const cluster = await LocalCluster.start(1, (m, how) => unexpected.push(`${m.name} ${how}`));
    try {
      const [member] = cluster.members;
      if (member === undefined) throw new Error('no member');
      const client = cluster.client(member);
      const acked = [];
      for (const value of ['mibao-1', 'mibao-2']) {
        const res = await client.put(demoKey).value(value).exec();
        acked.push({ revision: Number(res.header.revision), value, via: member.name });
      }
      const past = (acked[1]?.revision ?? 0) + 10;
      const stored = await readBack(cluster, [...acked.map((w) => w.revision), past], 20_000);
      expect(findLostWrites(acked, stored)).toEqual([]);
      expect(stored.get(past)).toBeUndefined();
      expect(
        findLostWrites([{ revision: past, value: 'mibao-3', via: 'm1' }], stored),
      ).toHaveLength(1);

      await cluster.kill(member, 'SIGKILL');
      const check = readBack(cluster, [1], 300);
      await expect(check).rejects.toSatisfy((e) => isDemoError(e, 'CHECK_FAILED'));
      await expect(check).rejects.toThrow(/could not read the acknowledged writes back/);
      expect(unexpected).toEqual([]);
    } finally {
      await cluster.stop();
      await rm(cluster.dir, { recursive: true, force: true });
    }
  }, 60_000);
});
