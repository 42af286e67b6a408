// Goal: as etcd's, open streams that asked for a leader (`hasleader` metadata: clientv3's
// WithRequireLeader, used by Kubernetes' watches and by lease keep-alives) end with "etcdserver:
// no leader" once the member has had none for three election timeouts; other streams stay open
// and go on delivering. Method: a real server (election timeout 50 ms) over the test backend,
// which plays the leader loss; raw gRPC streams with protobuf bytes from the schema.
import {
  Client,
  credentials,
  Metadata,
  status,
  type ClientDuplexStream,
  type ServiceError,
} from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageType } from '../src/proto.js';
import { encodeMessage, startTestServer, type TestServer } from './harness.js';

let t: TestServer;
let client: Client;

beforeAll(async () => {
  t = await startTestServer({ electionTimeoutMs: 50 });
  client = new Client(t.endpoint, credentials.createInsecure());
});

afterAll(async () => {
  client.close();
  await t.close();
});

/** Bidi stream `path` with or without `hasleader`; its messages and the error that ends it. */
function open(
  streamPath: string,
  hasLeader: boolean,
): {
  stream: ClientDuplexStream<Buffer, Buffer>;
  next: () => Promise<Buffer>;
  failed: Promise<ServiceError>;
} {
  const md = new Metadata();
  if (hasLeader) md.set('hasleader', 'true');
  const stream = client.makeBidiStreamRequest(
    streamPath,
    (b: Buffer) => b,
    (b: Buffer) => b,
    md,
    {
      deadline: Date.now() + 20_000,
    },
  );
  const queue: Buffer[] = [];
  const waiting: ((b: Buffer) => void)[] = [];
  stream.on('data', (b: Buffer) => {
    const w = waiting.shift();
    if (w) w(b);
    else queue.push(b);
  });
  const failed = new Promise<ServiceError>((resolve) => stream.on('error', resolve));
  const next = (): Promise<Buffer> => {
    const b = queue.shift();
    return b ? Promise.resolve(b) : new Promise((resolve) => waiting.push(resolve));
  };
  return { stream, next, failed };
}

const watchCreate = (key: string): Buffer =>
  encodeMessage('etcdserverpb.WatchRequest', { createRequest: { key: Buffer.from(key) } });

describe('a member without a leader', () => {
  it('ends hasleader watch and keep-alive streams with "no leader" and keeps the others', async () => {
    const strict = open('/etcdserverpb.Watch/Watch', true);
    const lax = open('/etcdserverpb.Watch/Watch', false);
    strict.stream.write(watchCreate('k'));
    lax.stream.write(watchCreate('k'));
    await Promise.all([strict.next(), lax.next()]); // both created
    const { ID } = await t.backend.leaseGrant({ TTL: 60, ID: 0 });
    const keepAlive = open('/etcdserverpb.Lease/LeaseKeepAlive', true);
    keepAlive.stream.write(encodeMessage('etcdserverpb.LeaseKeepAliveRequest', { ID }));
    await keepAlive.next();

    t.backend.leader = 0;
    try {
      for (const ended of [strict.failed, keepAlive.failed]) {
        const e = await ended;
        expect([e.code, e.details]).toEqual([status.UNAVAILABLE, 'etcdserver: no leader']);
      }
    } finally {
      t.backend.leader = t.backend.memberId;
    }
    await t.backend.put({ key: Buffer.from('k'), value: Buffer.from('v') });
    const WatchResponse = messageType('etcdserverpb.WatchResponse');
    const event = WatchResponse.toObject(WatchResponse.decode(await lax.next()), {
      defaults: true,
    });
    expect((event as { events: unknown[] }).events).toHaveLength(1);
    lax.stream.cancel();
  });
});
