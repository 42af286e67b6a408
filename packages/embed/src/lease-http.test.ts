// Goal: the peer listener's lease handler refuses what is not a lease request (wrong method,
// a body that is not `{ ID }`, a body over the limit: 413) and answers 503 while the member is still
// starting, leaving other paths to the next handler. Method: a real node:http server on
// 127.0.0.1:0 and fetch; answers with a lease go through a real cluster in
// test/lease-forwarding.test.ts.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleLeaseHttp, leasePaths, timeToLiveFromWire } from './lease-http.js';
import { leaseForwardRequestBytesMax } from './limits.js';

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (!handleLeaseHttp(req, res, () => undefined)) res.writeHead(418).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const post = (path: string, body: string): Promise<Response> =>
  fetch(base + path, { method: 'POST', body, headers: { 'content-type': 'application/json' } });

describe('handleLeaseHttp', () => {
  it('answers 405 to anything but POST', async () => {
    expect((await fetch(base + leasePaths.keepAlive)).status).toBe(405);
  });

  it('answers 400 to a body that is not a lease request', async () => {
    for (const body of ['', 'not json', '{"ID":-1}', '{"ID":1.5}', '{"keys":true}', 'null']) {
      const res = await post(leasePaths.timeToLive, body);
      expect(res.status).toBe(400);
      expect(await res.text()).toMatch(/bad lease request/);
    }
    const big = JSON.stringify({ ID: 1, pad: 'x'.repeat(leaseForwardRequestBytesMax) });
    expect((await post(leasePaths.keepAlive, big)).status).toBe(413);
  });

  it('answers 503 while the member is starting; other paths go to the next handler', async () => {
    expect((await post(leasePaths.keepAlive, '{"ID":7}')).status).toBe(503);
    expect((await fetch(`${base}/members`)).status).toBe(418);
  });

  it('refuses a time-to-live answer that is not one', () => {
    expect(timeToLiveFromWire({ ID: 1, TTL: 2, grantedTTL: 3, keys: [1], revision: 4 })).toBe(
      undefined,
    );
    expect(
      timeToLiveFromWire({ ID: 1, TTL: 2, grantedTTL: 3, keys: ['YQ=='], revision: 4 })?.keys,
    ).toEqual([Buffer.from('a')]);
  });
});
