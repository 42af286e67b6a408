// Goal: the load generator's raw HTTP/2 client speaks etcd's gRPC correctly: pre-encoded puts
// land in a real etcd (checked with etcdctl), serializable and linearizable ranges succeed, and a
// server error surfaces as GrpcCallError with etcd's status and message.
import { execFileSync } from 'node:child_process';
import { startEtcd, type EtcdProcess } from '@keel/bench-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePut, encodeRange } from './etcd-requests.js';
import { GrpcCallError, GrpcLoadClient } from './grpc-load-client.js';

let etcd: EtcdProcess;
beforeAll(async () => {
  etcd = await startEtcd();
}, 30_000);
afterAll(() => etcd.stop());

describe('GrpcLoadClient', () => {
  it('puts and ranges against a real etcd over several connections', async () => {
    const client = new GrpcLoadClient(etcd.clientUrl, 3);
    try {
      await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          client.call(
            '/etcdserverpb.KV/Put',
            encodePut(Buffer.from(`load/${i}`), Buffer.alloc(256, i)),
          ),
        ),
      );
      await client.call('/etcdserverpb.KV/Range', encodeRange(Buffer.from('load/1'), true));
      const reply = await client.call(
        '/etcdserverpb.KV/Range',
        encodeRange(Buffer.from('load/1'), false),
      );
      expect(reply.length).toBeGreaterThan(256);
    } finally {
      client.close();
    }
    const count = execFileSync(
      'etcdctl',
      [`--endpoints=${etcd.clientUrl}`, 'get', 'load/', '--prefix', '--keys-only', '-w', 'json'],
      {
        env: { ...process.env, ETCDCTL_API: '3' },
      },
    ).toString();
    expect((JSON.parse(count) as { count: number }).count).toBe(50);
  }, 30_000);

  it("reports etcd's error for an empty key", async () => {
    const client = new GrpcLoadClient(etcd.clientUrl);
    try {
      const failure = client.call(
        '/etcdserverpb.KV/Put',
        encodePut(Buffer.alloc(0), Buffer.from('v')),
      );
      await expect(failure).rejects.toBeInstanceOf(GrpcCallError);
      await expect(failure).rejects.toThrow('etcdserver: key is not provided');
    } finally {
      client.close();
    }
  });
});
