// Goal: a learner's server refuses what etcd's learners refuse, with etcd's error, and serves the
// rest: Status, serializable ranges and the Snapshot stream. Method: a real server over the test
// backend playing a learner; etcd's etcdctl 3.4 for the unary calls, a raw grpc-js client for
// the bidi streams (Watch, LeaseKeepAlive), which etcdctl would retry forever.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { etcdctl, startTestServer, type TestServer } from './harness.js';

const refusal = 'etcdserver: rpc not supported for learner';
let t: TestServer;
let dir: string;
let client: Client;

beforeAll(async () => {
  t = await startTestServer();
  dir = await mkdtemp(path.join(tmpdir(), 'keel-learner-'));
  client = new Client(t.endpoint, credentials.createInsecure());
  const r = await etcdctl(t.endpoint, ['put', 'k', 'before']);
  expect(r.code, r.stderr).toBe(0);
});

beforeEach(() => {
  t.backend.learner = true;
});

afterAll(async () => {
  client.close();
  await t.close();
  await rm(dir, { recursive: true, force: true });
});

/** Opens bidi stream `path`, sends nothing, and resolves with the error that ends it. */
function streamError(streamPath: string): Promise<ServiceError> {
  return new Promise((resolve, reject) => {
    const call = client.makeBidiStreamRequest(
      streamPath,
      (b: Buffer) => b,
      (b: Buffer) => b,
      new Metadata(),
      { deadline: Date.now() + 5000 },
    );
    call.on('data', () => {
      reject(new Error(`${streamPath} answered a learner's stream`));
    });
    call.on('error', (e: ServiceError) => {
      resolve(e);
    });
  });
}

describe('a learner member', () => {
  it('refuses writes, linearizable reads, leases and membership with etcd`s error', async () => {
    const calls = [
      ['put', 'k', 'v'],
      ['get', 'k'],
      ['del', 'k'],
      ['txn'],
      ['compact', '1'],
      ['lease', 'grant', '10'],
      ['member', 'list'],
      ['endpoint', 'hashkv'],
    ];
    for (const args of calls) {
      const r = await etcdctl(t.endpoint, args, args[0] === 'txn' ? '\n\nput k x\n\n' : undefined);
      expect(r.code, `etcdctl ${args.join(' ')}`).not.toBe(0);
      expect(r.stderr, `etcdctl ${args.join(' ')}`).toContain(refusal);
    }
    t.backend.learner = false;
    const after = await etcdctl(t.endpoint, ['get', 'k', '--print-value-only']);
    expect(after.stdout.trim()).toBe('before'); // nothing above reached the store
  });

  it('serves serializable ranges, its status and a snapshot', async () => {
    const get = await etcdctl(t.endpoint, ['get', 'k', '--consistency=s', '--print-value-only']);
    expect(get.code, get.stderr).toBe(0);
    expect(get.stdout.trim()).toBe('before');
    const st = await etcdctl(t.endpoint, ['endpoint', 'status', '-w', 'json']);
    expect(st.code, st.stderr).toBe(0);
    expect(st.stdout).toMatch(/"isLearner":true/);
    const file = path.join(dir, 'learner.db');
    const snap = await etcdctl(t.endpoint, ['snapshot', 'save', file]);
    expect(snap.code, snap.stderr).toBe(0);
    expect((await stat(file)).size).toBeGreaterThan(0);
  });

  it('refuses watch and lease keep-alive streams with etcd`s error', async () => {
    for (const p of ['/etcdserverpb.Watch/Watch', '/etcdserverpb.Lease/LeaseKeepAlive']) {
      const e = await streamError(p);
      expect([e.code, e.details]).toEqual([status.UNAVAILABLE, refusal]);
    }
  });
});
