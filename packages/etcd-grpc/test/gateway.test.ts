// Goal: the client port serves etcd's JSON gateway beside gRPC, in etcd 3.4's JSON shapes (proto
// field names, int64 as strings, base64 bytes, defaults left out; snake_case or lowerCamelCase
// input), with grpc-gateway's error bodies and HTTP statuses, the bidi streams (watch, lease
// keep-alive) and server streams (snapshot, election observe) as newline-separated
// `{"result": ...}` objects, and the same gates as gRPC
// (learner, hasleader, request size). Method: a real server on 127.0.0.1 over a kv-mvcc store,
// Node's fetch and curl as JSON clients, and etcdctl on the same port in the same tests.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEtcdGrpcServer } from '../src/index.js';
import { etcdctl, startTestServer, type TestServer } from './harness.js';
import { StoreBackend } from './store-backend.js';

const maxRequestBytes = 64 * 1024;
let t: TestServer;
let base: string;

beforeAll(async () => {
  t = await startTestServer({ maxRequestBytes });
  base = `http://${t.endpoint}`;
});

afterAll(async () => {
  await t.close();
});

const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** POSTs `body` (JSON, or raw text) to `path`; resolves with the status and parsed JSON. */
async function post(
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

const header = { cluster_id: '43981', member_id: '4660', raft_term: '2' };

describe('JSON gateway on the gRPC port', () => {
  it('puts, ranges and deletes in etcd’s JSON shapes, and etcdctl sees the same data', async () => {
    const put = await post('/v3/kv/put', { key: b64('foo'), value: b64('bar') });
    expect(put.status).toBe(200);
    const rev = Number((put.json['header'] as { revision: string }).revision);
    expect(put.json).toEqual({ header: { ...header, revision: String(rev) } });

    const got = await etcdctl(t.endpoint, ['get', 'foo', '--print-value-only']);
    expect(got.stdout.trim()).toBe('bar');
    expect((await etcdctl(t.endpoint, ['put', 'foo', 'baz'])).code).toBe(0);

    // lowerCamelCase input (prevKv) is accepted as well as the proto name (prev_kv).
    const again = await post('/v3/kv/put', { key: b64('foo'), value: b64('qux'), prevKv: true });
    expect(again.json['prev_kv']).toEqual({
      key: b64('foo'),
      create_revision: String(rev),
      mod_revision: String(rev + 1),
      version: '2',
      value: b64('baz'),
    });
    const range = await post('/v3/kv/range', { key: b64('foo'), unknown_field: 1 });
    expect(range.json).toEqual({
      header: { ...header, revision: String(rev + 2) },
      kvs: [
        {
          key: b64('foo'),
          create_revision: String(rev),
          mod_revision: String(rev + 2),
          version: '3',
          value: b64('qux'),
        },
      ],
      count: '1',
    });
    const none = await post('/v3/kv/range', { key: b64('none') });
    expect(none.json).toEqual({ header: { ...header, revision: String(rev + 2) } });

    const del = await post('/v3/kv/deleterange', { key: b64('foo'), prev_kv: true });
    expect(del.json['deleted']).toBe('1');
    expect((del.json['prev_kvs'] as { value: string }[])[0]?.value).toBe(b64('qux'));
    expect((await etcdctl(t.endpoint, ['get', 'foo', '--print-value-only'])).stdout).toBe('');
  });

  it('runs a txn with enum names, oneof members and nested responses', async () => {
    await post('/v3/kv/put', { key: b64('t'), value: b64('1') });
    const txn = await post('/v3/kv/txn', {
      compare: [{ key: b64('t'), result: 'EQUAL', target: 'VALUE', value: b64('1') }],
      success: [
        { request_range: { key: b64('t') } },
        { requestPut: { key: b64('t'), value: b64('2') } },
      ],
      failure: [{ request_delete_range: { key: b64('t') } }],
    });
    expect(txn.status).toBe(200);
    expect(txn.json['succeeded']).toBe(true);
    const responses = txn.json['responses'] as Record<string, { kvs?: { value: string }[] }>[];
    expect(Object.keys(responses[0] ?? {})).toEqual(['response_range']);
    expect(responses[0]?.['response_range']?.kvs?.[0]?.value).toBe(b64('1'));
    expect(Object.keys(responses[1] ?? {})).toEqual(['response_put']);
    const ctl = await etcdctl(t.endpoint, ['get', 't', '--print-value-only']);
    expect(ctl.stdout.trim()).toBe('2');
  });

  it('grants, inspects, lists and revokes leases (int64 IDs as strings)', async () => {
    const grant = await post('/v3/lease/grant', { TTL: 60 });
    expect(grant.status).toBe(200);
    const id = grant.json['ID'] as string;
    expect(id).toMatch(/^\d+$/);
    expect(grant.json['TTL']).toBe('60');
    await post('/v3/kv/put', { key: b64('leased'), value: b64('v'), lease: id });
    const ttl = await post('/v3/lease/timetolive', { ID: id, keys: true });
    expect(ttl.json).toMatchObject({ ID: id, grantedTTL: '60', keys: [b64('leased')] });
    const leases = await post('/v3/lease/leases', {});
    expect(leases.json['leases']).toContainEqual({ ID: id });
    // The additional binding under /v3/kv/lease/ reaches the same method.
    expect((await post('/v3/kv/lease/revoke', { ID: id })).status).toBe(200);
    const gone = await post('/v3/lease/timetolive', { ID: id });
    expect(gone.json['TTL']).toBe('-1');
    const again = await post('/v3/lease/revoke', { ID: id });
    expect(again).toEqual({
      status: 404,
      json: {
        error: 'etcdserver: requested lease not found',
        message: 'etcdserver: requested lease not found',
        code: 5,
      },
    });
  });

  it('lists members and reports status with the proto’s own field names', async () => {
    const members = await post('/v3/cluster/member/list', {});
    expect(members.json['members']).toEqual([
      {
        ID: '4660',
        name: 'default',
        peerURLs: ['http://127.0.0.1:2380'],
        clientURLs: ['http://127.0.0.1:2379'],
      },
    ]);
    const status = await post('/v3/maintenance/status', '');
    expect(status.status).toBe(200);
    expect(Object.keys(status.json)).toEqual(
      expect.arrayContaining(['header', 'version', 'dbSize', 'leader', 'raftIndex']),
    );
    expect(status.json['leader']).toBe('4660');
  });

  it('answers etcd’s errors with grpc-gateway’s body and HTTP status', async () => {
    const empty = await post('/v3/kv/put', { key: '', value: b64('x') });
    expect(empty).toEqual({
      status: 400,
      json: {
        error: 'etcdserver: key is not provided',
        message: 'etcdserver: key is not provided',
        code: 3,
      },
    });
    const future = await post('/v3/kv/range', { key: b64('a'), revision: '1000000' });
    expect(future.status).toBe(400);
    expect(future.json['code']).toBe(11);
    expect(future.json['error']).toBe('etcdserver: mvcc: required revision is a future revision');
    const transferee = await post('/v3/maintenance/transfer-leadership', { targetID: '5' });
    expect(transferee.status).toBe(412);
    expect(transferee.json['code']).toBe(9);
  });

  it('refuses bad JSON, bad base64 and mistyped fields with INVALID_ARGUMENT', async () => {
    for (const body of [
      'not json',
      '[1]',
      JSON.stringify({ key: '!!!' }),
      JSON.stringify({ key: b64('k'), limit: 1.5 }),
      JSON.stringify({ key: b64('k'), keys_only: 'true' }),
      JSON.stringify({ key: b64('k'), sort_order: 'BOGUS' }),
    ]) {
      const res = await post('/v3/kv/range', body);
      expect(res.status, body).toBe(400);
      expect(res.json['code'], body).toBe(3);
      expect(res.json['error'], body).toMatch(/^json: /);
    }
  });

  it('applies the request size limit to the protobuf size, and bounds the body', async () => {
    const big = Buffer.alloc(maxRequestBytes + 1, 1).toString('base64');
    const tooLarge = await post('/v3/kv/put', { key: b64('big'), value: big });
    expect(tooLarge.status).toBe(400);
    expect(tooLarge.json['error']).toBe('etcdserver: request is too large');
    // Well past the gateway's body limit: refused before parsing.
    const huge = JSON.stringify({ key: b64('big'), value: 'A'.repeat(3 * 1024 * 1024) });
    const refused = await post('/v3/kv/put', huge);
    expect(refused.status).toBe(429);
    expect(refused.json['code']).toBe(8);
    // A large value within the limit arrives whole, over several TCP reads.
    const value = Buffer.alloc(maxRequestBytes - 1024, 7);
    const ok = await post('/v3/kv/put', { key: b64('large'), value: value.toString('base64') });
    expect(ok.status).toBe(200);
    const back = await post('/v3/kv/range', { key: b64('large') });
    const kvs = back.json['kvs'] as { value: string }[];
    expect(Buffer.from(kvs[0]?.value ?? '', 'base64').equals(value)).toBe(true);
  });

  it('answers unknown paths 404 and other methods 405, as etcd’s gateway', async () => {
    expect((await fetch(`${base}/v3/kv/nothing`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${base}/v3/kv/range`)).status).toBe(405);
    // No handler for other paths was given: 404.
    expect((await fetch(`${base}/health`)).status).toBe(404);
  });

  it('serves several requests on one kept-alive connection, pipelined', async () => {
    const [host, port] = t.endpoint.split(':') as [string, string];
    const body = JSON.stringify({ key: b64('pipe') });
    const one = `POST /v3/kv/range HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    const text = await new Promise<string>((resolve, reject) => {
      let out = '';
      const socket = connect(Number(port), host, () => {
        socket.write(one + one + one);
      });
      socket.setTimeout(5000, () => {
        socket.destroy();
        reject(new Error(`three answers did not arrive: ${out}`));
      });
      socket.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.split('HTTP/1.1 200 OK').length === 4) {
          socket.destroy();
          resolve(out);
        }
      });
    });
    expect(text.split('"header"').length).toBe(4);
  });

  it('works with curl', async () => {
    const out = await new Promise<string>((resolve, reject) => {
      execFile(
        'curl',
        [
          '-sS',
          '-m',
          '5',
          '-L',
          `${base}/v3/kv/put`,
          '-X',
          'POST',
          '-d',
          '{"key":"Zm9v","value":"YmFy"}',
        ],
        (err, stdout) => {
          if (err !== null) reject(new Error(`curl failed: ${err.message}`, { cause: err }));
          else resolve(stdout);
        },
      );
    });
    expect(JSON.parse(out)).toMatchObject({ header: { cluster_id: '43981' } });
  });
});

/** A streaming exchange: requests written to the body, response lines read one by one. */
interface JsonStream {
  readonly status: Promise<number>;
  send(obj: unknown): void;
  /** Ends the request body (a server-streaming call reads it whole). */
  endBody(): void;
  /** The next response line, parsed; rejects after 10 s. */
  next(): Promise<Record<string, unknown>>;
  /** Resolves when the server ends the response. */
  readonly ended: Promise<void>;
  close(): void;
}

function openStream(url: string, headers: Record<string, string> = {}): JsonStream {
  const lines: string[] = [];
  const waiters: (() => void)[] = [];
  let buffered = '';
  let statusOf: (n: number) => void = () => undefined;
  let endedOf: () => void = () => undefined;
  const status = new Promise<number>((resolve) => (statusOf = resolve));
  const ended = new Promise<void>((resolve) => (endedOf = resolve));
  const req = request(url, { method: 'POST', headers }, (res) => {
    statusOf(res.statusCode ?? 0);
    res.on('data', (d: Buffer) => {
      buffered += d.toString();
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      lines.push(...parts.filter((l) => l !== ''));
      for (const w of waiters.splice(0)) w();
    });
    res.on('end', endedOf);
  });
  req.on('error', () => undefined);
  req.flushHeaders();
  const next = async (): Promise<Record<string, unknown>> => {
    const deadline = Date.now() + 10_000;
    while (lines.length === 0) {
      if (Date.now() > deadline) throw new Error('no response line in 10 s');
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 1000).unref();
      });
    }
    return JSON.parse(lines.shift() ?? '') as Record<string, unknown>;
  };
  return {
    status,
    send: (obj) => req.write(JSON.stringify(obj)),
    endBody: () => req.end(),
    next,
    ended,
    close: () => req.destroy(),
  };
}

type Result = Record<string, unknown> & { header: Record<string, string> };
const result = (line: Record<string, unknown>): Result => line['result'] as Result;

describe('streaming over the JSON gateway', () => {
  it('watches: created, events as etcd writes them, cancel by watch_id', async () => {
    const w = openStream(`${base}/v3/watch`);
    try {
      w.send({ create_request: { key: b64('w'), prev_kv: true } });
      const created = result(await w.next());
      expect(await w.status).toBe(200);
      expect(created).toMatchObject({ created: true, header: { cluster_id: '43981' } });
      expect(created['watch_id']).toBeUndefined(); // 0 is left out, as etcd's gateway does
      expect((await etcdctl(t.endpoint, ['put', 'w', '1'])).code).toBe(0);
      const put = result(await w.next());
      expect(put['events']).toEqual([
        {
          kv: {
            key: b64('w'),
            create_revision: put.header['revision'],
            mod_revision: put.header['revision'],
            version: '1',
            value: b64('1'),
          },
        },
      ]);
      await post('/v3/kv/deleterange', { key: b64('w') });
      const del = result(await w.next());
      expect(del['events']).toEqual([
        {
          type: 'DELETE',
          kv: { key: b64('w'), mod_revision: del.header['revision'] },
          prev_kv: expect.objectContaining({ value: b64('1') }) as unknown,
        },
      ]);
      // A second request on the same body: cancel the watcher.
      w.send({ cancel_request: { watch_id: 0 } });
      expect(result(await w.next())).toMatchObject({ canceled: true });
    } finally {
      w.close();
    }
  });

  it('keeps a watch open after the request body ends, as etcd’s gateway does', async () => {
    const res = await fetch(`${base}/v3/watch`, {
      method: 'POST',
      body: JSON.stringify({ createRequest: { key: b64('open') } }),
      signal: AbortSignal.timeout(10_000),
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    const readUntil = async (needle: string): Promise<void> => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`the stream ended before ${needle}: ${text}`);
        text += Buffer.from(value).toString();
      }
    };
    await readUntil('"created":true');
    await post('/v3/kv/put', { key: b64('open'), value: b64('later') });
    await readUntil(b64('later'));
    await reader.cancel();
  });

  it('keeps leases alive: one response per request, TTL left out for a gone lease', async () => {
    const grant = await post('/v3/lease/grant', { TTL: 30 });
    const id = grant.json['ID'] as string;
    const k = openStream(`${base}/v3/lease/keepalive`);
    try {
      k.send({ ID: id });
      k.send({ ID: id });
      k.send({ ID: '999' });
      expect(result(await k.next())).toMatchObject({ ID: id, TTL: '30' });
      expect(result(await k.next())).toMatchObject({ ID: id, TTL: '30' });
      const gone = result(await k.next());
      expect(gone['ID']).toBe('999');
      expect(gone['TTL']).toBeUndefined();
    } finally {
      k.close();
    }
  });

  it('streams a snapshot whose last blob is the sha256 of the others, as etcd’s', async () => {
    await post('/v3/kv/put', { key: b64('snap'), value: b64('shot') });
    const res = await fetch(`${base}/v3/maintenance/snapshot`, {
      method: 'POST',
      signal: AbortSignal.timeout(10_000),
    });
    expect(res.status).toBe(200);
    const lines = (await res.text())
      .trim()
      .split('\n')
      .map((l) => result(JSON.parse(l) as Record<string, unknown>));
    const blobs = lines.map((l) => Buffer.from(l['blob'] as string, 'base64'));
    const data = Buffer.concat(blobs.slice(0, -1));
    expect(createHash('sha256').update(data).digest()).toEqual(blobs.at(-1));
    expect(lines.at(-1)?.['remaining_bytes']).toBeUndefined(); // 0 is left out
    expect(Number(lines[0]?.['remaining_bytes'])).toBe(data.length - blobs[0]!.length + 32);
  });

  it('observes an election: the leader now and each proclaimed value', async () => {
    const lease = (await post('/v3/lease/grant', { TTL: 30 })).json['ID'] as string;
    const campaign = await post('/v3/election/campaign', {
      name: b64('e'),
      lease,
      value: b64('v1'),
    });
    const leader = campaign.json['leader'] as Record<string, string>;
    expect(leader).toMatchObject({ name: b64('e'), lease });
    const o = openStream(`${base}/v3/election/observe`);
    try {
      o.send({ name: b64('e') });
      o.endBody();
      expect(result(await o.next())['kv']).toMatchObject({ value: b64('v1'), lease });
      const proclaim = await post('/v3/election/proclaim', { leader, value: b64('v2') });
      expect(proclaim.status).toBe(200);
      expect(result(await o.next())['kv']).toMatchObject({ value: b64('v2') });
    } finally {
      o.close();
    }
  });

  it('ends a stream with grpc-gateway’s error line on a malformed request', async () => {
    const w = openStream(`${base}/v3/watch`);
    try {
      w.send({ create_request: { key: b64('m') } });
      expect(result(await w.next())).toMatchObject({ created: true });
      w.send('oops');
      expect(await w.next()).toEqual({
        error: {
          grpc_code: 3,
          http_code: 400,
          message: expect.stringMatching(/^etcdserver: malformed request: json: /) as unknown,
          http_status: 'Bad Request',
        },
      });
      await w.ended;
    } finally {
      w.close();
    }
  });
});

describe('gates shared with gRPC', () => {
  it('refuses a learner’s watch with HTTP 503 and the error line', async () => {
    t.backend.learner = true;
    const w = openStream(`${base}/v3/watch`);
    try {
      expect(await w.status).toBe(503);
      expect(await w.next()).toEqual({
        error: {
          grpc_code: 14,
          http_code: 503,
          message: 'etcdserver: rpc not supported for learner',
          http_status: 'Service Unavailable',
        },
      });
    } finally {
      w.close();
      t.backend.learner = false;
    }
  });

  it('refuses a learner’s writes and serves its serializable ranges', async () => {
    t.backend.learner = true;
    try {
      const put = await post('/v3/kv/put', { key: b64('l'), value: b64('v') });
      expect(put).toEqual({
        status: 503,
        json: {
          error: 'etcdserver: rpc not supported for learner',
          message: 'etcdserver: rpc not supported for learner',
          code: 14,
        },
      });
      const linearizable = await post('/v3/kv/range', { key: b64('l') });
      expect(linearizable.status).toBe(503);
      const serializable = await post('/v3/kv/range', { key: b64('l'), serializable: true });
      expect(serializable.status).toBe(200);
    } finally {
      t.backend.learner = false;
    }
  });

  it('honours Grpc-Metadata-Hasleader when no leader is known', async () => {
    const noLeader = await startTestServer({ leaderId: 0 });
    try {
      const url = `http://${noLeader.endpoint}/v3/kv/range`;
      const init = { method: 'POST', body: JSON.stringify({ key: b64('k') }) };
      const refused = await fetch(url, { ...init, headers: { 'Grpc-Metadata-Hasleader': 'true' } });
      expect(refused.status).toBe(503);
      expect(await refused.json()).toMatchObject({ error: 'etcdserver: no leader', code: 14 });
      expect((await fetch(url, init)).status).toBe(200);
      const watch = openStream(`http://${noLeader.endpoint}/v3/watch`, {
        'Grpc-Metadata-Hasleader': 'true',
      });
      expect(await watch.status).toBe(503);
      expect(await watch.next()).toMatchObject({ error: { message: 'etcdserver: no leader' } });
      watch.close();
    } finally {
      await noLeader.close();
    }
  });
});

describe('leader loss over the JSON gateway', () => {
  it('ends a hasleader watch with the error line after three checks without a leader', async () => {
    const s = await startTestServer({ electionTimeoutMs: 50 });
    const withLeader = openStream(`http://${s.endpoint}/v3/watch`, {
      'Grpc-Metadata-Hasleader': 'true',
    });
    const plain = openStream(`http://${s.endpoint}/v3/watch`);
    try {
      withLeader.send({ create_request: { key: b64('x') } });
      plain.send({ create_request: { key: b64('x') } });
      expect(result(await withLeader.next())).toMatchObject({ created: true });
      expect(result(await plain.next())).toMatchObject({ created: true });
      s.backend.leader = 0;
      expect(await withLeader.next()).toEqual({
        error: {
          grpc_code: 14,
          http_code: 503,
          message: 'etcdserver: no leader',
          http_status: 'Service Unavailable',
        },
      });
      // The stream that did not ask for a leader goes on delivering.
      await s.backend.put({ key: Buffer.from('x'), value: Buffer.from('1') });
      expect(result(await plain.next())['events']).toHaveLength(1);
    } finally {
      withLeader.close();
      plain.close();
      await s.close();
    }
  });
});

describe('the client port', () => {
  it('passes other paths to the httpHandler option', async () => {
    const backend = await StoreBackend.open();
    const server = createEtcdGrpcServer({
      backend,
      httpHandler: (req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`handled ${req.url ?? ''}`);
      },
    });
    try {
      const port = await server.listen('127.0.0.1', 0);
      const res = await fetch(`http://127.0.0.1:${port}/health?x=1`);
      expect(await res.text()).toBe('handled /health?x=1');
      const r = await etcdctl(`127.0.0.1:${port}`, ['put', 'k', 'v']);
      expect(r.code, r.stderr).toBe(0);
    } finally {
      server.close();
      await backend.close();
    }
  });

  it('close() ends kept-alive HTTP connections and waiting gateway calls at once', async () => {
    const s = await startTestServer();
    const [host, port] = s.endpoint.split(':') as [string, string];
    const grant = await fetch(`http://${s.endpoint}/v3/lease/grant`, {
      method: 'POST',
      body: JSON.stringify({ TTL: 60 }),
    });
    const { ID } = (await grant.json()) as { ID: string };
    const lock = (): Promise<string> =>
      new Promise((resolve) => {
        const req = request(
          { host, port: Number(port), method: 'POST', path: '/v3/lock/lock' },
          (res) => {
            res.resume();
            res.on('end', () => {
              resolve('answered');
            });
          },
        );
        req.on('error', (e) => {
          resolve(`closed: ${e.message}`);
        });
        req.end(JSON.stringify({ name: b64('L'), lease: ID }));
      });
    expect(await lock()).toBe('answered');
    // A second caller with another lease waits behind the first holder...
    const grant2 = await fetch(`http://${s.endpoint}/v3/lease/grant`, {
      method: 'POST',
      body: JSON.stringify({ TTL: 60 }),
    });
    const other = (await grant2.json()) as { ID: string };
    const waiting = new Promise<string>((resolve) => {
      const req = request({ host, port: Number(port), method: 'POST', path: '/v3/lock/lock' });
      req.on('response', () => {
        resolve('answered');
      });
      req.on('error', (e) => {
        resolve(`closed: ${e.message}`);
      });
      req.end(JSON.stringify({ name: b64('L'), lease: other.ID }));
    });
    // ...until the server closes: the connection ends without an answer.
    await s.close();
    expect(await waiting).toMatch(/^closed: /);
  });
});
