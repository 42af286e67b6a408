// Goal: an embedded single member serves etcd's v3 API to etcd's own client (Debian's etcdctl)
// and its metrics endpoints, on ports chosen by the system; response headers carry its IDs.
// Method: start a member on 127.0.0.1 port 0, run /usr/bin/etcdctl with ETCDCTL_API=3 and
// explicit time limits, and fetch the metrics URLs.
import { beforeAll, describe, expect, it } from 'vitest';
import { formatMemberId, type Server } from '../src/index.js';
import { testMembers, withFsync } from './cluster.js';
import { etcdctl, type EtcdctlResult } from './etcdctl-runner.js';
import { within } from './helpers.js';

const t = testMembers({ perFile: true });
let server: Server;

const ctl = (args: readonly string[]): Promise<EtcdctlResult> => etcdctl(server, args);

beforeAll(async () => {
  const config = t.soloConfig('ctl', { listenMetricsUrls: ['http://127.0.0.1:0'] });
  server = await t.start(config, withFsync);
  await within(server.ready, 5000, 'ready');
});

describe('etcdctl against an embedded member', () => {
  it('binds port 0 and reports the bound URLs', () => {
    expect(server.clientUrls).toHaveLength(1);
    expect(server.clientUrls[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.clientUrls[0]).not.toMatch(/:0$/);
    expect(server.metricsUrls[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('puts and gets', async () => {
    expect(await ctl(['put', 'greeting', 'hello'])).toEqual({ code: 0, out: 'OK\n' });
    expect(await ctl(['get', 'greeting'])).toEqual({ code: 0, out: 'greeting\nhello\n' });
    const local = await server.kv.range({ key: Buffer.from('greeting'), serializable: true });
    expect(Buffer.from(local.kvs[0]?.value ?? []).toString()).toBe('hello');
  });

  it('answers with headers naming this member, its cluster and the raft term', async () => {
    const r = await ctl(['get', 'greeting', '-w', 'json']);
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
    const list = await ctl(['member', 'list']);
    expect(list.code).toBe(0);
    expect(list.out).toContain(`${formatMemberId(server.memberId)}, started, ctl`);
    const status = await ctl(['endpoint', 'status', '-w', 'json']);
    expect(status.code).toBe(0);
    const parsed = JSON.parse(status.out) as { Status: { leader: number } }[];
    expect(parsed[0]?.Status.leader).toBe(server.memberId);
  });

  it("refuses a member whose peer URL is taken, with etcd's error", async () => {
    // The member advertises etcd's default peer URL.
    const r = await ctl(['member', 'add', 'x', '--peer-urls=http://localhost:2380']);
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
