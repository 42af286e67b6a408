// Goal: a member's client URL answers HTTP as etcd's does beside gRPC: /health (with etcd's
// ?serializable=true), /version and /metrics from the member's own data, and the JSON gateway under /v3/ over the member's Raft
// log, with etcdctl working on the same port. Method: a real member on 127.0.0.1 port 0 (real
// LMDB in a temp dir), Node's fetch, Debian's /usr/bin/etcdctl.
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Server } from '../src/index.js';
import { tempDir, within } from './helpers.js';

let server: Server;
let remove: () => Promise<void>;
let base: string;

beforeAll(async () => {
  let dir: string;
  ({ dir, remove } = await tempDir());
  server = await startServer({
    name: 'http',
    dataDir: dir,
    listenClientUrls: ['http://127.0.0.1:0'],
    advertiseClientUrls: ['http://127.0.0.1:0'],
    tickMs: 10,
    electionMs: 100,
  });
  await within(server.ready, 5000, 'ready');
  base = server.clientUrls[0] ?? '';
}, 20_000);

afterAll(async () => {
  await server.close();
  await remove();
});

const get = async (path: string): Promise<{ status: number; type: string; body: string }> => {
  const res = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(10_000) });
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    body: await res.text(),
  };
};

function etcdctl(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      '/usr/bin/etcdctl',
      [`--endpoints=${base}`, '--dial-timeout=2s', '--command-timeout=4s', ...args],
      { env: { ...process.env, ETCDCTL_API: '3' }, timeout: 15_000 },
      (err, stdout, stderr) => {
        if (err !== null) reject(new Error(`etcdctl failed: ${stderr}`, { cause: err }));
        else resolve(stdout);
      },
    );
  });
}

const b64 = (text: string): string => Buffer.from(text).toString('base64');

describe('HTTP on the client URL', () => {
  it('answers /health with etcd’s JSON and /version with the version Status reports', async () => {
    expect(await get('/health')).toEqual({
      status: 200,
      type: 'application/json',
      body: '{"health":"true","reason":""}',
    });
    const version = await get('/version');
    const status = await server.maintenance.status();
    const [major, minor] = status.version.split('.');
    expect(JSON.parse(version.body)).toEqual({
      etcdserver: status.version,
      etcdcluster: `${major}.${minor}.0`,
    });
  });

  it('serves /metrics in the Prometheus text format', async () => {
    const metrics = await get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/^etcd_server_has_leader 1$/m);
  });

  it('serves the JSON gateway over the member’s log, beside etcdctl', async () => {
    const put = await fetch(`${base}/v3/kv/put`, {
      method: 'POST',
      body: JSON.stringify({ key: b64('gw'), value: b64('json') }),
    });
    expect(put.status).toBe(200);
    const header = ((await put.json()) as { header: Record<string, string> }).header;
    expect(header['member_id']).toBe(BigInt(server.memberId).toString());
    expect(await etcdctl(['get', 'gw', '--print-value-only'])).toBe('json\n');
    const members = await fetch(`${base}/v3/cluster/member/list`, { method: 'POST', body: '{}' });
    const list = (await members.json()) as { members: { name: string; clientURLs: string[] }[] };
    expect(list.members).toEqual([expect.objectContaining({ name: 'http', clientURLs: [base] })]);
  });
});

describe('/health of a member without quorum', () => {
  it('is false for the cluster, true for ?serializable=true, and gates hasleader JSON calls', async () => {
    const { dir, remove: removeLonely } = await tempDir();
    // A member of a three-member cluster started alone: it can never elect a leader.
    const lonely = await startServer({
      name: 'a',
      dataDir: dir,
      listenClientUrls: ['http://127.0.0.1:0'],
      advertiseClientUrls: ['http://127.0.0.1:0'],
      listenPeerUrls: ['http://127.0.0.1:0'],
      initialAdvertisePeerUrls: ['http://127.0.0.1:1'],
      initialCluster: 'a=http://127.0.0.1:1,b=http://127.0.0.1:2,c=http://127.0.0.1:3',
      tickMs: 10,
      electionMs: 100,
    });
    try {
      const url = lonely.clientUrls[0] ?? '';
      const health = await fetch(`${url}/health`);
      expect(health.status).toBe(503);
      expect(await health.text()).toBe('{"health":"false","reason":"RAFT NO LEADER"}');
      const local = await fetch(`${url}/health?serializable=true`);
      expect(local.status).toBe(200);
      const gated = await fetch(`${url}/v3/kv/range`, {
        method: 'POST',
        headers: { 'Grpc-Metadata-Hasleader': 'true' },
        body: JSON.stringify({ key: b64('k'), serializable: true }),
      });
      expect(gated.status).toBe(503);
      expect(await gated.json()).toMatchObject({ error: 'etcdserver: no leader', code: 14 });
    } finally {
      await within(lonely.close(), 5000, 'close without quorum');
      await removeLonely();
    }
  });
});
