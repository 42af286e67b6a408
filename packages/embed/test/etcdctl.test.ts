// Goal: an embedded single member serves etcd's v3 API to etcd's own client (Debian's etcdctl)
// and its metrics endpoints, on ports chosen by the system; response headers carry its IDs.
// Method: start a member on 127.0.0.1 port 0, run /usr/bin/etcdctl with ETCDCTL_API=3 and
// explicit time limits, and fetch the metrics URLs.
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatMemberId, startServer, type Server } from '../src/index.js';
import { tempDir, within } from './helpers.js';

let server: Server;
let remove: () => Promise<void>;

function etcdctl(args: readonly string[]): Promise<{ code: number; out: string }> {
  const endpoint = (server.clientUrls[0] ?? '').replace(/^http:\/\//, '');
  return new Promise((resolve, reject) => {
    execFile(
      '/usr/bin/etcdctl',
      [`--endpoints=${endpoint}`, '--dial-timeout=3s', '--command-timeout=5s', ...args],
      { env: { ...process.env, ETCDCTL_API: '3' }, timeout: 10_000 },
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
  remove = t.remove;
  server = await startServer({
    name: 'ctl',
    dataDir: t.dir,
    listenClientUrls: ['http://127.0.0.1:0'],
    advertiseClientUrls: ['http://127.0.0.1:0'],
    listenMetricsUrls: ['http://127.0.0.1:0'],
    tickMs: 10,
    electionMs: 100,
  });
  await within(server.ready, 5000, 'ready');
});

afterAll(async () => {
  await server.close();
  await remove();
});

describe('etcdctl against an embedded member', () => {
  it('binds port 0 and reports the bound URLs', () => {
    expect(server.clientUrls).toHaveLength(1);
    expect(server.clientUrls[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.clientUrls[0]).not.toMatch(/:0$/);
    expect(server.metricsUrls[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('puts and gets', async () => {
    expect(await etcdctl(['put', 'greeting', 'hello'])).toEqual({ code: 0, out: 'OK\n' });
    expect(await etcdctl(['get', 'greeting'])).toEqual({ code: 0, out: 'greeting\nhello\n' });
    const local = await server.kv.range({ key: Buffer.from('greeting'), serializable: true });
    expect(Buffer.from(local.kvs[0]?.value ?? []).toString()).toBe('hello');
  });

  it('answers with headers naming this member, its cluster and the raft term', async () => {
    const r = await etcdctl(['get', 'greeting', '-w', 'json']);
    expect(r.code).toBe(0);
    const header = (
      JSON.parse(r.out) as {
        header: { cluster_id: number; member_id: number; raft_term: number; revision: number };
      }
    ).header;
    // etcdctl prints the uint64 IDs as JSON numbers; our IDs are 53-bit, so they are exact.
    expect(header.cluster_id).toBe(server.clusterId);
    expect(header.member_id).toBe(server.memberId);
    expect(header.raft_term).toBe(server.term);
    expect(header.revision).toBe(server.header().revision);
  });

  it('lists the member and reports its status', async () => {
    const list = await etcdctl(['member', 'list']);
    expect(list.code).toBe(0);
    expect(list.out).toContain(`${formatMemberId(server.memberId)}, started, ctl`);
    const status = await etcdctl(['endpoint', 'status', '-w', 'json']);
    expect(status.code).toBe(0);
    const parsed = JSON.parse(status.out) as { Status: { leader: number } }[];
    expect(parsed[0]?.Status.leader).toBe(server.memberId);
  });

  it("refuses a member whose peer URL is taken, with etcd's error", async () => {
    // The member advertises etcd's default peer URL.
    const r = await etcdctl(['member', 'add', 'x', '--peer-urls=http://localhost:2380']);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('etcdserver: Peer URLs already exists');
  });

  it('serves /metrics and /health', async () => {
    const base = server.metricsUrls[0] ?? '';
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/^etcd_server_is_leader 1$/m);
    expect(metrics).toMatch(/^etcd_server_has_leader 1$/m);
    const health = await fetch(`${base}/health`);
    expect([health.status, await health.json()]).toEqual([200, { health: 'true', reason: '' }]);
  });
});
