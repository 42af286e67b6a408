// Goal: bad input gets etcd's error, nothing is lost and the server stays up: oversized
// requests, too many txn ops, empty keys, integers Keel cannot represent, malformed protobuf,
// random bytes on the port, and calls that require a leader when there is none. Method: a raw
// grpc-js client that can send any bytes to a real server on 127.0.0.1.
import { connect } from 'node:net';
import { Client, credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEtcdGrpcServer, isEtcdGrpcError } from '../src/index.js';
import { messageType } from '../src/proto.js';
import { StoreBackend } from './store-backend.js';
import { encodeMessage, startTestServer, type TestServer } from './harness.js';

const maxRequestBytes = 4096;
let t: TestServer;
let client: Client;

beforeAll(async () => {
  t = await startTestServer({ maxRequestBytes });
  client = new Client(t.endpoint, credentials.createInsecure());
});

afterAll(async () => {
  client.close();
  await t.close();
});

/** Sends `bytes` as the request of `path`; resolves with the decoded reply or the error. */
function call(
  path: string,
  bytes: Buffer,
  md = new Metadata(),
): Promise<{ err: ServiceError | null; reply: Buffer | undefined }> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      path,
      (b: Buffer) => b,
      (b: Buffer) => b,
      bytes,
      md,
      { deadline: Date.now() + 5000 },
      (err, reply) => {
        resolve({ err, reply });
      },
    );
  });
}

const put = (key: string, value: Buffer | string): Promise<{ err: ServiceError | null }> =>
  call(
    '/etcdserverpb.KV/Put',
    encodeMessage('etcdserverpb.PutRequest', { key: Buffer.from(key), value: Buffer.from(value) }),
  );

async function expectServing(): Promise<void> {
  const { err } = await put('alive', 'yes');
  expect(err).toBeNull();
}

describe('request size limits', () => {
  it('refuses a put above maxRequestBytes with "request is too large" and keeps serving', async () => {
    const { err } = await put('big', Buffer.alloc(maxRequestBytes + 1));
    expect(err?.code).toBe(status.INVALID_ARGUMENT);
    expect(err?.details).toBe('etcdserver: request is too large');
    expect(await put('fits', Buffer.alloc(maxRequestBytes - 100))).toMatchObject({ err: null });
  });

  it('refuses a message above maxRequestBytes + 512 KiB at the gRPC layer', async () => {
    const { err } = await put('huge', Buffer.alloc(maxRequestBytes + 512 * 1024 + 1));
    expect(err?.code).toBe(status.RESOURCE_EXHAUSTED);
    await expectServing();
  });
});

describe("etcd's request checks", () => {
  it('refuses an empty key', async () => {
    const { err } = await put('', 'v');
    expect(err?.code).toBe(status.INVALID_ARGUMENT);
    expect(err?.details).toBe('etcdserver: key is not provided');
  });

  it('refuses a txn with more than 128 operations', async () => {
    const success = Array.from({ length: 129 }, (_, i) => ({
      requestPut: { key: Buffer.from(`k${i}`) },
    }));
    const { err } = await call(
      '/etcdserverpb.KV/Txn',
      encodeMessage('etcdserverpb.TxnRequest', { success }),
    );
    expect(err?.details).toBe('etcdserver: too many operations in txn request');
    expect(t.backend.store.range({ key: Buffer.from('k0') }).count).toBe(0);
  });

  it('refuses an int64 beyond 2^53-1 with INVALID_ARGUMENT and writes nothing', async () => {
    const bytes = encodeMessage('etcdserverpb.PutRequest', {
      key: Buffer.from('l'),
      lease: '9007199254740993',
    });
    const { err } = await call('/etcdserverpb.KV/Put', bytes);
    expect(err?.code).toBe(status.INVALID_ARGUMENT);
    expect(err?.details).toMatch(/lease is beyond/);
    expect(t.backend.store.range({ key: Buffer.from('l') }).count).toBe(0);
  });
});

describe('lease limits', () => {
  it('refuses a lease TTL beyond the maximum', async () => {
    const bytes = encodeMessage('etcdserverpb.LeaseGrantRequest', { TTL: 9_000_000_001 });
    const { err } = await call('/etcdserverpb.Lease/LeaseGrant', bytes);
    expect(err?.code).toBe(status.OUT_OF_RANGE);
    expect(err?.details).toBe('etcdserver: too large lease TTL');
  });
});

describe('MoveLeader on a member that does not lead', () => {
  it('answers "not leader" (LEADER_REQUIRED), not "no leader"', async () => {
    t.backend.leader = 0x999;
    try {
      const bytes = encodeMessage('etcdserverpb.MoveLeaderRequest', {
        targetID: t.backend.memberId,
      });
      const { err } = await call('/etcdserverpb.Maintenance/MoveLeader', bytes);
      expect(err?.code).toBe(status.FAILED_PRECONDITION);
      expect(err?.details).toBe('etcdserver: not leader');
    } finally {
      t.backend.leader = t.backend.memberId;
    }
  });
});

describe('malformed input', () => {
  it('answers bytes that are not protobuf with INVALID_ARGUMENT', async () => {
    // A length-delimited field whose length runs past the end of the message.
    const { err } = await call('/etcdserverpb.KV/Range', Buffer.from([0x0a, 0x7f, 0x01]));
    expect(err?.code).toBe(status.INVALID_ARGUMENT);
    expect(err?.details).toMatch(/^etcdserver: malformed request/);
    await expectServing();
  });

  it('ends a watch stream that receives a malformed message with INVALID_ARGUMENT', async () => {
    const stream = client.makeBidiStreamRequest(
      '/etcdserverpb.Watch/Watch',
      (b: Buffer) => b,
      (b: Buffer) => b,
      new Metadata(),
      { deadline: Date.now() + 5000 },
    );
    const ended = new Promise<ServiceError>((resolve) => stream.on('error', resolve));
    stream.on('data', () => undefined);
    stream.write(Buffer.from([0x0a, 0x7f]));
    const err = await ended;
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    await expectServing();
  });

  it('survives random bytes on the gRPC port', async () => {
    const [host, port] = t.endpoint.split(':') as [string, string];
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(port), host, () => {
        socket.write(Buffer.from('GET / HTTP/1.1\r\n\r\n\x00\xff\x13random-garbage'.repeat(10)));
      });
      socket.setTimeout(5000, () => {
        socket.destroy();
        reject(new Error('the server neither answered nor closed'));
      });
      socket.on('data', () => undefined);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        resolve();
      });
    });
    await expectServing();
  });
});

describe('hasleader', () => {
  it('fails calls that require a leader when none is known, and serves the rest', async () => {
    const s = await startTestServer({ leaderId: 0 });
    const c = new Client(s.endpoint, credentials.createInsecure());
    try {
      const md = new Metadata();
      md.set('hasleader', 'true');
      const range = encodeMessage('etcdserverpb.RangeRequest', { key: Buffer.from('a') });
      const gated = await new Promise<ServiceError | null>((resolve) => {
        c.makeUnaryRequest(
          '/etcdserverpb.KV/Range',
          (b: Buffer) => b,
          (b: Buffer) => b,
          range,
          md,
          (err) => {
            resolve(err);
          },
        );
      });
      expect(gated?.code).toBe(status.UNAVAILABLE);
      expect(gated?.details).toBe('etcdserver: no leader');
      const free = await new Promise<ServiceError | null>((resolve) => {
        c.makeUnaryRequest(
          '/etcdserverpb.KV/Range',
          (b: Buffer) => b,
          (b: Buffer) => b,
          range,
          (err) => {
            resolve(err);
          },
        );
      });
      expect(free).toBeNull();
    } finally {
      c.close();
      await s.close();
    }
  });
});

describe('health', () => {
  it('reports SERVING with a leader, NOT_SERVING without, NOT_FOUND for unknown services', async () => {
    const check = async (endpoint: string, service: string) => {
      const c = new Client(endpoint, credentials.createInsecure());
      const res = await new Promise<{ err: ServiceError | null; reply: Buffer | undefined }>(
        (resolve) => {
          const bytes = encodeMessage('grpc.health.v1.HealthCheckRequest', { service });
          c.makeUnaryRequest(
            '/grpc.health.v1.Health/Check',
            (b: Buffer) => b,
            (b: Buffer) => b,
            bytes,
            (err, reply) => {
              resolve({ err, reply });
            },
          );
        },
      );
      c.close();
      if (res.err !== null) return res.err.code;
      const type = messageType('grpc.health.v1.HealthCheckResponse');
      return type.toObject(type.decode(res.reply!), { enums: String })['status'] as string;
    };
    expect(await check(t.endpoint, '')).toBe('SERVING');
    expect(await check(t.endpoint, 'etcdserverpb.KV')).toBe('SERVING');
    expect(await check(t.endpoint, 'no.Such')).toBe(status.NOT_FOUND);
    const s = await startTestServer({ leaderId: 0 });
    expect(await check(s.endpoint, '')).toBe('NOT_SERVING');
    await s.close();
  });
});

describe('createEtcdGrpcServer', () => {
  it('refuses out-of-range options with INVALID_CONFIG', async () => {
    const backend = await StoreBackend.open();
    for (const opts of [
      { maxRequestBytes: 0 },
      { maxTxnOps: -1 },
      { watchProgressNotifyMs: 1.5 },
    ]) {
      let caught: unknown;
      try {
        createEtcdGrpcServer({ backend, ...opts });
      } catch (e) {
        caught = e;
      }
      expect(isEtcdGrpcError(caught, 'INVALID_CONFIG'), JSON.stringify(opts)).toBe(true);
    }
    await backend.close();
  });
});
