// Goal: a peer of another cluster, with another token, an unknown member ID or another protocol
// version is refused at the handshake with its close code, and each side logs the refusal once,
// however often the dialling side retries. Method: real transports plus raw ws clients that
// speak the HELLO frame directly; waits are event-driven and bounded.
import { afterEach, describe, expect, it } from 'vitest';
import { Packr } from 'msgpackr';
import { WebSocket } from 'ws';
import { closeCodes, protocolVersion } from '../src/index.js';
import { TestMember, closeAll } from './harness.js';

let members: TestMember[] = [];
afterEach(async () => {
  await closeAll(members);
  members = [];
});

/** Dials `url` with a hand-made HELLO and resolves with the close code the server answers. */
function rawHello(url: string, hello: readonly unknown[]): Promise<number> {
  const packr = new Packr({ useRecords: false });
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error('no close from the server'));
    }, 5000);
    ws.on('open', () => {
      ws.send(Buffer.concat([Buffer.from([1]), packr.pack(hello)]));
    });
    ws.on('error', reject);
    ws.on('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

async function pair(
  bOverrides: ConstructorParameters<typeof TestMember>[1],
): Promise<[TestMember, TestMember]> {
  const a = await new TestMember(1).start();
  const b = await new TestMember(2, bOverrides).start();
  members = [a, b];
  a.transport.addPeer(2, b.url);
  b.transport.addPeer(1, a.url);
  return [a, b];
}

describe('handshake', () => {
  it.each([
    {
      what: 'cluster token',
      overrides: { clusterToken: 'token-b' },
      code: closeCodes.TOKEN_MISMATCH,
      reason: 'cluster token mismatch',
    },
    {
      what: 'cluster ID',
      overrides: { clusterId: 'cluster-b' },
      code: closeCodes.CLUSTER_ID_MISMATCH,
      reason: 'cluster ID mismatch',
    },
  ])(
    'refuses a peer with another $what, logging once per side across retries',
    async ({ overrides, code, reason }) => {
      const [a, b] = await pair(overrides);
      // Each side dials the other and is refused; wait for several retries on both.
      const retried = (m: TestMember): Promise<void> =>
        m.until(() => m.transport.stats().handshakesRefused >= 8, 'several refusals');
      await Promise.all([retried(a), retried(b)]);
      for (const m of [a, b]) {
        const lines = m.logsWith('HANDSHAKE_REFUSED');
        // One line for refusing the other's connections, one for being refused when dialling.
        expect(lines.map((l) => l.fields.closeCode)).toEqual([code, code]);
        expect(lines.every((l) => l.message.includes(reason))).toBe(true);
      }
      expect(a.transport.connectedSinceMs(2)).toBeUndefined();
      expect(b.received).toEqual([]);
    },
    10_000,
  );

  it('refuses an unknown member, and accepts it once added', async () => {
    const a = await new TestMember(1).start();
    const b = await new TestMember(2).start();
    members = [a, b];
    b.transport.addPeer(1, a.url);
    await b.until(() => b.transport.stats().handshakesRefused >= 3, 'refused as unknown');
    expect(b.logsWith('HANDSHAKE_REFUSED')).toMatchObject([
      { fields: { closeCode: closeCodes.MEMBER_UNKNOWN } },
    ]);
    expect(a.logsWith('HANDSHAKE_REFUSED')).toMatchObject([
      { fields: { closeCode: closeCodes.MEMBER_UNKNOWN } },
    ]);
    a.transport.addPeer(2, b.url);
    await b.connectedTo(1);
  }, 10_000);

  it('refuses a member removed from the cluster with MEMBER_REMOVED, and tells it', async () => {
    const a = await new TestMember(1, { isRemovedMember: (id) => id === 2 }).start();
    const told: number[] = [];
    const b = await new TestMember(2, { onRemoved: (peer) => told.push(peer) }).start();
    members = [a, b];
    b.transport.addPeer(1, a.url);
    await b.until(() => told.length >= 2, 'told it was removed on every attempt');
    expect(told.every((peer) => peer === 1)).toBe(true);
    expect(a.logsWith('HANDSHAKE_REFUSED')).toMatchObject([
      { fields: { closeCode: closeCodes.MEMBER_REMOVED } },
    ]);
    // A member that is neither a peer nor removed is still refused as unknown.
    const c = await new TestMember(3, { onRemoved: () => told.push(-1) }).start();
    members.push(c);
    c.transport.addPeer(1, a.url);
    await c.until(() => c.transport.stats().handshakesRefused >= 2, 'refused as unknown');
    expect(c.logsWith('HANDSHAKE_REFUSED')).toMatchObject([
      { fields: { closeCode: closeCodes.MEMBER_UNKNOWN } },
    ]);
    expect(told).not.toContain(-1);
  }, 10_000);

  it('refuses a dial that reaches a different member than intended', async () => {
    const a = await new TestMember(1).start();
    const c = await new TestMember(3).start();
    members = [a, c];
    // a believes member 2 lives at c's address.
    a.transport.addPeer(2, c.url);
    c.transport.addPeer(1, a.url);
    await a.until(
      () => a.logsWith('HANDSHAKE_REFUSED').some((l) => l.fields.peer === 2),
      'refusal',
    );
    const dialling = a.logsWith('HANDSHAKE_REFUSED').filter((l) => l.fields.peer === 2);
    expect(dialling.map((l) => l.fields.closeCode)).toEqual([closeCodes.MEMBER_MISMATCH]);
  });

  it('answers raw hellos with the close code of the first mismatch', async () => {
    const a = await new TestMember(1).start();
    members = [a];
    a.transport.addPeer(2, 'ws://127.0.0.1:1');
    const ok = [protocolVersion, 'cluster-a', 'token-a', 2, 1, 0];
    const variant = (i: number, v: unknown): unknown[] => ok.map((x, j) => (j === i ? v : x));
    expect(await rawHello(a.url, variant(0, 99))).toBe(closeCodes.VERSION_MISMATCH);
    expect(await rawHello(a.url, variant(1, 'x'))).toBe(closeCodes.CLUSTER_ID_MISMATCH);
    expect(await rawHello(a.url, variant(2, 'x'))).toBe(closeCodes.TOKEN_MISMATCH);
    expect(await rawHello(a.url, variant(3, 7))).toBe(closeCodes.MEMBER_UNKNOWN);
    expect(await rawHello(a.url, variant(4, 5))).toBe(closeCodes.MEMBER_MISMATCH);
    expect(await rawHello(a.url, variant(5, 9))).toBe(closeCodes.DECODE_FAILED);
    expect(await rawHello(a.url, [1, 2])).toBe(closeCodes.DECODE_FAILED);
    expect(a.logsWith('HANDSHAKE_REFUSED').map((l) => l.fields.closeCode)).toEqual([
      4001, 4002, 4003, 4004, 4005, 4006,
    ]);
    expect(a.logsWith('DECODE_FAILED')).toHaveLength(1);
  });

  it('closes a connection that never says hello', async () => {
    const a = await new TestMember(1, { limits: { handshakeWaitMs: 100 } }).start();
    members = [a];
    const code = await new Promise<number>((resolve) => {
      const ws = new WebSocket(a.url);
      ws.on('close', resolve);
    });
    expect(code).toBe(closeCodes.HANDSHAKE_TIMEOUT);
  });
});
