// Goal: etcd's own command-line client (Debian's etcdctl 3.4) works unchanged against Keel's
// etcd API, with etcd's output and error messages. Method: a real server on 127.0.0.1 over the
// single-member test backend; each test runs etcdctl as a child process and checks what it prints.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  etcdctl,
  etcdctlUntil,
  startEtcdctl,
  startTestServer,
  type TestServer,
} from './harness.js';

let t: TestServer;
let ctl: (args: readonly string[], input?: string) => ReturnType<typeof etcdctl>;
let dir: string;

beforeAll(async () => {
  t = await startTestServer();
  ctl = (args, input) => etcdctl(t.endpoint, args, input);
  dir = await mkdtemp(path.join(tmpdir(), 'keel-etcdctl-'));
});

afterAll(async () => {
  await t.close();
  await rm(dir, { recursive: true, force: true });
});

/** Runs etcdctl and expects success; returns stdout. */
async function ok(args: readonly string[], input?: string): Promise<string> {
  const r = await ctl(args, input);
  expect(r.code, `etcdctl ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

describe('etcdctl put and get', () => {
  it('puts and gets with --prefix, --limit, --sort-by, --keys-only, --rev and -w json', async () => {
    expect(await ok(['put', 'pg/a', '1'])).toBe('OK\n');
    await ok(['put', 'pg/b', '2']);
    await ok(['put', 'pg/c', '3']);
    await ok(['put', 'pg/a', '4']);
    expect(await ok(['get', 'pg/a'])).toBe('pg/a\n4\n');
    expect(await ok(['get', 'pg/', '--prefix'])).toBe('pg/a\n4\npg/b\n2\npg/c\n3\n');
    expect(await ok(['get', 'pg/', '--prefix', '--limit=2'])).toBe('pg/a\n4\npg/b\n2\n');
    const byMod = await ok(['get', 'pg/', '--prefix', '--sort-by=MODIFY', '--order=DESCEND']);
    expect(byMod).toBe('pg/a\n4\npg/c\n3\npg/b\n2\n');
    expect(await ok(['get', 'pg/', '--prefix', '--keys-only'])).toBe('pg/a\n\npg/b\n\npg/c\n\n');
    expect(await ok(['get', 'pg/a', '--print-value-only'])).toBe('4\n');
    const json = JSON.parse(await ok(['get', 'pg/', '--prefix', '-w', 'json'])) as {
      header: { cluster_id: number; member_id: number; revision: number; raft_term: number };
      kvs: {
        key: string;
        value: string;
        create_revision: number;
        mod_revision: number;
        version: number;
      }[];
      count: number;
    };
    expect(json.header).toEqual({
      cluster_id: t.backend.clusterId,
      member_id: t.backend.memberId,
      revision: t.backend.store.revision,
      raft_term: 2,
    });
    expect(json.count).toBe(3);
    const a = json.kvs[0]!;
    expect(Buffer.from(a.key, 'base64').toString()).toBe('pg/a');
    expect(a.version).toBe(2);
    expect(a.mod_revision).toBeGreaterThan(a.create_revision);
    // The first value of pg/a, at the revision that created it.
    expect(await ok(['get', 'pg/a', `--rev=${a.create_revision}`])).toBe('pg/a\n1\n');
  });

  it('puts a value read from stdin', async () => {
    expect(await ok(['put', 'stdin-key'], 'from stdin')).toBe('OK\n');
    expect(await ok(['get', 'stdin-key', '--print-value-only'])).toBe('from stdin\n');
  });
});

describe('etcdctl del', () => {
  it('deletes a prefix and prints the previous key-values', async () => {
    await ok(['put', 'del/x', 'vx']);
    await ok(['put', 'del/y', 'vy']);
    expect(await ok(['del', 'del/', '--prefix', '--prev-kv'])).toBe('2\ndel/x\nvx\ndel/y\nvy\n');
    expect(await ok(['del', 'del/', '--prefix'])).toBe('0\n');
    expect(await ok(['get', 'del/', '--prefix'])).toBe('');
  });
});

describe('etcdctl txn', () => {
  it('runs the success branch when the compare holds and the failure branch otherwise', async () => {
    await ok(['put', 'txn/k', 'one']);
    const script = (want: string): string =>
      `value("txn/k") = "${want}"\n\nput txn/k two\nget txn/k\n\nput txn/other fail\n\n`;
    expect(await ok(['txn'], script('one'))).toBe('SUCCESS\n\nOK\n\ntxn/k\ntwo\n');
    expect(await ok(['txn'], script('one'))).toBe('FAILURE\n\nOK\n');
    expect(await ok(['get', 'txn/other', '--print-value-only'])).toBe('fail\n');
  });
});

describe('etcdctl watch', () => {
  it('replays from --rev over a prefix with --prev-kv, deletes included', async () => {
    const start = t.backend.store.revision + 1;
    await ok(['put', 'w/a', '1']);
    await ok(['put', 'w/a', '2']);
    await ok(['del', 'w/a']);
    await ok(['put', 'w/b', '3']);
    const out = await etcdctlUntil(
      t.endpoint,
      ['watch', 'w/', '--prefix', `--rev=${start}`, '--prev-kv'],
      'w/b\n3\n',
    );
    expect(out).toBe('PUT\nw/a\n1\nPUT\nw/a\n1\nw/a\n2\nDELETE\nw/a\n2\nw/a\n\nPUT\nw/b\n3\n');
  });

  it('reports a compacted start revision', async () => {
    await ok(['put', 'wc/a', '1']);
    const old = t.backend.store.revision;
    await ok(['put', 'wc/a', '2']);
    await ok(['compaction', String(t.backend.store.revision)]);
    const out = await etcdctlUntil(t.endpoint, ['watch', 'wc/a', `--rev=${old}`], 'canceled');
    expect(out).toContain('etcdserver: mvcc: required revision has been compacted');
  });
});

describe('etcdctl lease', () => {
  it('grants, keeps alive once, reports time-to-live with keys, lists and revokes', async () => {
    const granted = await ok(['lease', 'grant', '100']);
    const id = /lease ([0-9a-f]+) granted with TTL\(100s\)/.exec(granted)?.[1];
    expect(id).toBeDefined();
    await ok(['put', 'leased', 'v', `--lease=${id}`]);
    expect(await ok(['lease', 'keep-alive', '--once', id!])).toBe(
      `lease ${id} keepalived with TTL(100)\n`,
    );
    const ttl = await ok(['lease', 'timetolive', '--keys', id!]);
    expect(ttl).toMatch(
      new RegExp(
        `lease ${id} granted with TTL\\(100s\\), remaining\\(\\d+s\\), attached keys\\(\\[leased\\]\\)`,
      ),
    );
    expect(await ok(['lease', 'list'])).toBe(`found 1 leases\n${id}\n`);
    expect(await ok(['lease', 'revoke', id!])).toBe(`lease ${id} revoked\n`);
    expect(await ok(['get', 'leased'])).toBe('');
    expect(await ok(['lease', 'timetolive', id!])).toBe(`lease ${id} already expired\n`);
    const gone = await ctl(['lease', 'revoke', id!]);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain('etcdserver: requested lease not found');
  });
});

describe('etcdctl compaction and revisions', () => {
  it("answers compacted and future revisions with etcd's errors", async () => {
    await ok(['put', 'c/k', '1']);
    const old = t.backend.store.revision;
    await ok(['put', 'c/k', '2']);
    expect(await ok(['compaction', String(old + 1)])).toBe(`compacted revision ${old + 1}\n`);
    const compacted = await ctl(['get', 'c/k', `--rev=${old}`]);
    expect(compacted.code).not.toBe(0);
    expect(compacted.stderr).toContain(
      'Error: etcdserver: mvcc: required revision has been compacted',
    );
    const future = await ctl(['get', 'c/k', `--rev=${t.backend.store.revision + 100}`]);
    expect(future.stderr).toContain(
      'Error: etcdserver: mvcc: required revision is a future revision',
    );
  });
});

describe('etcdctl endpoint, member, alarm and maintenance commands', () => {
  it('reports endpoint status, health and hashkv', async () => {
    const status = JSON.parse(await ok(['endpoint', 'status', '-w', 'json'])) as {
      Status: { leader: number; version: string; raftTerm: number; header: { member_id: number } };
    }[];
    expect(status[0]?.Status.leader).toBe(t.backend.memberId);
    expect(status[0]?.Status.header.member_id).toBe(t.backend.memberId);
    expect(status[0]?.Status.version).toBe('3.6.0');
    // etcdctl prints the health line on stderr.
    const health = await ctl(['endpoint', 'health']);
    expect(health.code).toBe(0);
    expect(health.stderr).toMatch(/is healthy: successfully committed proposal/);
    const hashkv = JSON.parse(await ok(['endpoint', 'hashkv', '-w', 'json'])) as {
      HashKV: { hash: number; compact_revision: number };
    }[];
    expect(hashkv[0]?.HashKV.hash).toBe(t.backend.store.hashKV({}).hash);
  });

  it('lists members and moves leadership to a member', async () => {
    const list = JSON.parse(await ok(['member', 'list', '-w', 'json'])) as {
      members: { ID: number; name: string; peerURLs: string[] }[];
    };
    expect(list.members).toEqual([
      expect.objectContaining({
        ID: t.backend.memberId,
        name: 'default',
        peerURLs: ['http://127.0.0.1:2380'],
      }),
    ]);
    const self = t.backend.memberId.toString(16);
    expect(await ok(['move-leader', self])).toBe(
      `Leadership transferred from ${self} to ${self}\n`,
    );
    const bad = await ctl(['move-leader', 'ffff']);
    expect(bad.stderr).toContain('etcdserver: bad leader transferee');
  });

  it('lists, raises and disarms alarms, and defragments', async () => {
    expect(await ok(['alarm', 'list'])).toBe('');
    expect(await ok(['defrag'])).toBe(`Finished defragmenting etcd member[${t.endpoint}]\n`);
    await t.backend.alarm({ action: 'ACTIVATE', memberID: t.backend.memberId, alarm: 'NOSPACE' });
    expect(await ok(['alarm', 'list'])).toBe(`memberID:${t.backend.memberId} alarm:NOSPACE \n`);
    const full = await ctl(['put', 'nospace', 'v']);
    expect(full.stderr).toContain('etcdserver: mvcc: database space exceeded');
    expect(await ok(['alarm', 'disarm'])).toBe(`memberID:${t.backend.memberId} alarm:NOSPACE \n`);
    expect(await ok(['put', 'nospace', 'v'])).toBe('OK\n');
  });

  it('saves a snapshot whose sha256 trailer matches its contents', async () => {
    const file = path.join(dir, 'snap.db');
    const out = await ctl(['snapshot', 'save', file]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toBe(`Snapshot saved at ${file}\n`);
    const bytes = await readFile(file);
    // The file is the backend's copy followed by its sha256, which `snapshot restore` checks.
    const snap = await t.backend.snapshot();
    const parts: Buffer[] = [];
    for await (const c of snap.chunks) parts.push(Buffer.from(c));
    const data = Buffer.concat(parts);
    expect(bytes.length).toBe(data.length + 32);
    expect(bytes.subarray(0, data.length).equals(data)).toBe(true);
    expect(bytes.subarray(data.length).equals(createHash('sha256').update(data).digest())).toBe(
      true,
    );
  });
});

describe('etcdctl lock and elect (client-side recipes over KV, Watch and Lease)', () => {
  it('takes a lock and runs a command under it', async () => {
    expect(await ok(['lock', 'lk', 'echo', 'under-lock'])).toBe('under-lock\n');
    // The lock's key was deleted on release.
    expect(await ok(['get', 'lk/', '--prefix', '--keys-only'])).toBe('');
  });

  it('elects a campaigner that an observer sees as leader', async () => {
    // The campaigner wins and keeps leading (it resigns when stopped) while the observer looks.
    const campaign = startEtcdctl(t.endpoint, ['elect', 'el', 'cand-a']);
    try {
      expect(await campaign.printed('cand-a')).toMatch(/^el\/[0-9a-f]+\ncand-a\n/);
      const seen = await etcdctlUntil(t.endpoint, ['elect', '-l', 'el'], 'cand-a');
      expect(seen).toMatch(/^el\/[0-9a-f]+\ncand-a\n/);
    } finally {
      await campaign.stop();
    }
  });
});

describe('etcdctl auth with auth disabled', () => {
  it('answers as etcd does before auth is enabled', async () => {
    const enable = await ctl(['auth', 'enable']);
    expect(enable.stderr).toContain('etcdserver: root user does not exist');
    expect(await ok(['user', 'list'])).toBe('');
    expect(await ok(['role', 'list'])).toBe('');
    const get = await ctl(['user', 'get', 'root']);
    expect(get.stderr).toContain('etcdserver: user name not found');
  });
});
