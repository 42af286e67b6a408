// Goal: the Watch stream's protocol details that etcd's clients rely on: per-stream watch IDs
// (requested and duplicate), fragmentation of a large revision, progress requests, cancel, and
// `hasleader` on a stream. Method: a raw bidirectional gRPC stream with protobuf bytes from the
// schema against a real server over a kv-mvcc store; large revisions are written on the backend
// directly, since a gRPC Put that large would be refused.
import {
  Client,
  credentials,
  Metadata,
  type ClientDuplexStream,
  type ServiceError,
} from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageType } from '../src/proto.js';
import { startTestServer, type TestServer } from './harness.js';

const maxRequestBytes = 4096;
let t: TestServer;
let client: Client;
const WatchRequest = messageType('etcdserverpb.WatchRequest');
const WatchResponse = messageType('etcdserverpb.WatchResponse');

interface Resp {
  watchId: number;
  created: boolean;
  canceled: boolean;
  fragment: boolean;
  cancelReason: string;
  header: { revision: number };
  events: { kv: { key: string } }[];
}

beforeAll(async () => {
  t = await startTestServer({ maxRequestBytes });
  client = new Client(t.endpoint, credentials.createInsecure());
});

afterAll(async () => {
  client.close();
  await t.close();
});

/** A watch stream with a queue of decoded responses. */
function open(md = new Metadata()): {
  stream: ClientDuplexStream<Buffer, Buffer>;
  send: (req: Record<string, unknown>) => void;
  next: () => Promise<Resp>;
  failed: Promise<ServiceError>;
} {
  const stream = client.makeBidiStreamRequest(
    '/etcdserverpb.Watch/Watch',
    (b: Buffer) => b,
    (b: Buffer) => b,
    md,
    {
      deadline: Date.now() + 10_000,
    },
  );
  const queue: Resp[] = [];
  const waiting: ((r: Resp) => void)[] = [];
  stream.on('data', (buf: Buffer) => {
    const r = WatchResponse.toObject(WatchResponse.decode(buf), {
      longs: Number,
      bytes: String,
      defaults: true,
    }) as Resp;
    const w = waiting.shift();
    if (w) w(r);
    else queue.push(r);
  });
  const failed = new Promise<ServiceError>((resolve) => stream.on('error', resolve));
  return {
    stream,
    send: (req) =>
      stream.write(Buffer.from(WatchRequest.encode(WatchRequest.fromObject(req)).finish())),
    next: () => {
      const r = queue.shift();
      return r ? Promise.resolve(r) : new Promise((resolve) => waiting.push(resolve));
    },
    failed,
  };
}

const key = (s: string): string => Buffer.from(s).toString('base64');

describe('Watch stream', () => {
  it('numbers watchers per stream, honours a requested ID and refuses a duplicate', async () => {
    const w = open();
    w.send({ createRequest: { key: key('a') } });
    expect(await w.next()).toMatchObject({ watchId: 0, created: true, canceled: false });
    w.send({ createRequest: { key: key('b'), watchId: 7 } });
    expect(await w.next()).toMatchObject({ watchId: 7, created: true });
    w.send({ createRequest: { key: key('c'), watchId: 7 } });
    const dup = await w.next();
    expect(dup).toMatchObject({ watchId: -1, created: true, canceled: true });
    expect(dup.cancelReason).toMatch(/duplicate watch ID/);
    w.send({ cancelRequest: { watchId: 7 } });
    expect(await w.next()).toMatchObject({ watchId: 7, canceled: true });
    w.stream.cancel();
  });

  it('splits a large revision into fragments when asked, in order and complete', async () => {
    const w = open();
    w.send({ createRequest: { key: key('f/'), rangeEnd: key('f0'), fragment: true } });
    expect(await w.next()).toMatchObject({ created: true });
    const value = Buffer.alloc(3000, 7);
    const keys = ['f/1', 'f/2', 'f/3'];
    await t.backend.txn({
      compare: [],
      success: keys.map((k) => ({ requestPut: { key: Buffer.from(k), value } })),
      failure: [],
    });
    const parts = [await w.next(), await w.next(), await w.next()];
    expect(parts.map((p) => p.fragment)).toEqual([true, true, false]);
    expect(
      parts.flatMap((p) => p.events.map((e) => Buffer.from(e.kv.key, 'base64').toString())),
    ).toEqual(keys);
    w.stream.cancel();
  });

  it('answers a progress request with the current revision', async () => {
    const w = open();
    w.send({ progressRequest: {} });
    const alone = await w.next();
    expect(alone).toMatchObject({ watchId: -1, created: false, events: [] });
    expect(alone.header.revision).toBe(t.backend.store.revision);
    w.send({ createRequest: { key: key('p') } });
    const created = await w.next();
    await t.backend.put({ key: Buffer.from('other'), value: Buffer.from('x') });
    w.send({ progressRequest: {} });
    const progress = await w.next();
    expect(progress).toMatchObject({ watchId: created.watchId, canceled: false, events: [] });
    expect(progress.header.revision).toBe(t.backend.store.revision);
    w.stream.cancel();
  });

  it('refuses a stream that requires a leader when none is known', async () => {
    t.backend.leader = 0;
    try {
      const md = new Metadata();
      md.set('hasleader', 'true');
      const w = open(md);
      w.send({ createRequest: { key: key('a') } });
      const err = await w.failed;
      expect(err.details).toBe('etcdserver: no leader');
    } finally {
      t.backend.leader = t.backend.memberId;
    }
  });
});
