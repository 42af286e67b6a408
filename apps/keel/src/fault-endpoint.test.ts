// Goal: the test-only fault endpoint sets and clears the real transport's link faults of a running
// member, refuses bad requests with a status and a reason, and its flag accepts only loopback
// http URLs. Method: two real members in this process (LMDB in a temp dir, sockets on 127.0.0.1),
// the endpoint on a free port, plain fetch.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@keel/bench-kit';
import { formatMemberId, startServer, type Server } from '@keel/embed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isKeelError } from './errors.js';
import {
  parseFaultInjectionUrl,
  startFaultEndpoint,
  type FaultEndpoint,
} from './fault-endpoint.js';

let dir = '';
const servers: Server[] = [];
let endpoint: FaultEndpoint | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keel-faults-'));
  const peers = [await freePort(), await freePort()];
  const initialCluster = peers.map((p, i) => `m${i}=http://127.0.0.1:${p}`).join(',');
  for (const [i, p] of peers.entries()) {
    servers.push(
      await startServer({
        name: `m${i}`,
        dataDir: join(dir, `m${i}`),
        initialCluster,
        listenPeerUrls: [`http://127.0.0.1:${p}`],
        initialAdvertisePeerUrls: [`http://127.0.0.1:${p}`],
        listenClientUrls: ['http://127.0.0.1:0'],
        advertiseClientUrls: ['http://127.0.0.1:0'],
      }),
    );
  }
  endpoint = await startFaultEndpoint(servers[0]!, new URL('http://127.0.0.1:0'));
}, 30_000);

afterAll(async () => {
  await endpoint?.close();
  for (const s of servers) await s.close();
  await rm(dir, { recursive: true, force: true });
}, 30_000);

async function call(method: string, path: string, body?: string): Promise<[number, string]> {
  const res = await fetch(`${endpoint?.url ?? ''}${path}`, { method, body: body ?? null });
  return [res.status, (await res.text()).trim()];
}

describe('fault endpoint', () => {
  it('partitions, delays and heals a link of the real transport', async () => {
    const [me, peer] = [servers[0]!, servers[1]!];
    const faults = me.peerFaults;
    const peerHex = formatMemberId(peer.memberId);
    expect(await call('PUT', `/peers/${peerHex}`, '{"partitioned":true}')).toEqual([204, '']);
    expect(faults?.get(peer.memberId)).toEqual({ partitioned: true });
    expect(await call('PUT', `/peers/${peerHex}`, '{"dropRate":0.5,"delayMs":20}')).toEqual([
      204,
      '',
    ]);
    expect(faults?.get(peer.memberId)).toEqual({ dropRate: 0.5, delayMs: 20 });
    expect(await call('DELETE', `/peers/${peerHex}`)).toEqual([204, '']);
    expect(faults?.get(peer.memberId)).toBeUndefined();
    await call('PUT', `/peers/${peerHex}`, '{"partitioned":true}');
    expect(await call('DELETE', '/peers')).toEqual([204, '']);
    expect(faults?.get(peer.memberId)).toBeUndefined();
  });

  it('refuses bad requests with a reason and changes nothing', async () => {
    const [me, peer] = [servers[0]!, servers[1]!];
    const peerHex = formatMemberId(peer.memberId);
    expect(await call('PUT', `/peers/${peerHex}`, 'nope')).toEqual([400, 'the body is not JSON']);
    expect(await call('PUT', `/peers/${peerHex}`, '[1]')).toEqual([
      400,
      'the body must be a JSON object',
    ]);
    expect(await call('PUT', `/peers/${peerHex}`, '{"cut":true}')).toEqual([
      400,
      'unknown field "cut": use partitioned, dropRate, delayMs',
    ]);
    expect(await call('PUT', `/peers/${peerHex}`, '{"dropRate":2}')).toEqual([
      400,
      'fault dropRate must be in [0, 1]',
    ]);
    const self = formatMemberId(me.memberId);
    expect(await call('PUT', `/peers/${self}`, '{}')).toEqual([
      404,
      `no peer ${self} in this cluster`,
    ]);
    expect((await call('GET', '/faults'))[0]).toBe(404);
    expect(await call('POST', `/peers/${peerHex}`, '{}')).toEqual([405, 'use PUT or DELETE']);
    expect((await call('PUT', `/peers/${peerHex}`, 'x'.repeat(5000)))[0]).toBe(413);
    expect(me.peerFaults?.get(peer.memberId)).toBeUndefined();
  });
});

describe('parseFaultInjectionUrl', () => {
  it('takes a loopback http URL with a port', () => {
    expect(parseFaultInjectionUrl('http://127.0.0.1:9999').port).toBe('9999');
    expect(parseFaultInjectionUrl('http://localhost:1').hostname).toBe('localhost');
  });

  it.each([
    ['nonsense', 'not a URL'],
    ['https://127.0.0.1:1', 'use http://'],
    ['http://10.0.0.1:1', 'it must listen on a loopback address'],
    ['http://127.0.0.1', 'give a port'],
    ['http://127.0.0.1:1/x', 'give no path or query'],
  ])('refuses %s with INVALID_CONFIG', (text, why) => {
    let error: unknown;
    try {
      parseFaultInjectionUrl(text);
    } catch (e) {
      error = e;
    }
    expect(isKeelError(error, 'INVALID_CONFIG')).toBe(true);
    expect((error as Error).message).toContain(`--unsafe-fault-injection-url=${text}: ${why}`);
  });
});
