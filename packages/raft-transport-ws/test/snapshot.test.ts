// Goal: snapshots stream on their own connection, arrive byte-exact, reach raft (onMessage) only
// after the receiver stored them, and every failure (handler error, broken source, checksum
// mismatch, no handler) ends as a failed snapshot on the sender and SNAPSHOT_FAILED on the
// receiver's stream. Method: real transports; a raw peer forges a bad checksum.
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Message } from '@keel/raft-core';
import { connPurposes, controlFrame, buildFrame, encodeMessage, frameKinds } from '../src/codec.js';
import { isTransportError, type IncomingSnapshot, type SnapshotStatus } from '../src/index.js';
import { TestMember, closeAll, msg } from './harness.js';
import { rawPeer } from './raw-peer.js';

let members: TestMember[] = [];
afterEach(async () => {
  await closeAll(members);
  members = [];
});

const confState = {
  voters: [1, 2],
  learners: [],
  votersOutgoing: [],
  learnersNext: [],
  autoLeave: false,
};
const snapMsg = (from: number, to: number): Message =>
  msg('MsgSnap', [from, to], {
    snapshot: { data: Buffer.alloc(0), metadata: { index: 40, term: 3, confState } },
  });

/** Bytes [lo, lo + n) of the test body: byte i is i mod 251. */
function pattern(lo: number, n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let j = 0; j < n; j++) b[j] = (lo + j) % 251;
  return b;
}

function* pieces(total: number, sizes: readonly number[]): Generator<Uint8Array> {
  let sent = 0;
  for (let i = 0; sent < total; i++) {
    const n = Math.min(sizes[i % sizes.length] ?? 1, total - sent);
    yield pattern(sent, n);
    sent += n;
  }
}

/** Two members; b stores snapshots with `store`; a records snapshot statuses. */
async function pair(
  store?: (s: IncomingSnapshot) => Promise<void>,
): Promise<[TestMember, TestMember, SnapshotStatus[]]> {
  const statuses: SnapshotStatus[] = [];
  const limits = { snapshotChunkBytes: 64 * 1024, snapshotRecvBufferedBytesMax: 128 * 1024 };
  const a = await new TestMember(1, {
    onSnapshotStatus: (_p, s) => statuses.push(s),
    limits,
  }).start();
  const b = await new TestMember(2, {
    ...(store === undefined ? {} : { onSnapshot: store }),
    limits,
  }).start();
  members = [a, b];
  a.transport.addPeer(2, b.url);
  b.transport.addPeer(1, a.url);
  await Promise.all([a.connectedTo(2), b.connectedTo(1)]);
  return [a, b, statuses];
}

describe('snapshots', () => {
  it('streams a snapshot byte-exact and delivers the MsgSnap after it was stored', async () => {
    const order: string[] = [];
    const stored: Buffer[] = [];
    const [a, b, statuses] = await pair(async (s) => {
      for await (const chunk of s.chunks) stored.push(Buffer.from(chunk));
      order.push(`stored ${s.message.snapshot?.metadata.index ?? 0}`);
    });
    const total = 3 * 1024 * 1024 + 17;
    const status = await a.transport.sendSnapshot(
      snapMsg(1, 2),
      pieces(total, [100_000, 1, 300_000, 7]),
    );
    expect(status).toBe('finish');
    expect(statuses).toEqual(['finish']);
    await b.until(() => b.received.length === 1, 'MsgSnap');
    order.push(`delivered ${b.received[0]?.type ?? ''}`);
    expect(order).toEqual(['stored 40', 'delivered MsgSnap']);
    expect(Buffer.concat(stored).equals(pattern(0, total))).toBe(true);
  });

  it('reports failure when the receiver handler fails, and raft never sees the MsgSnap', async () => {
    const [a, b, statuses] = await pair(async (s) => {
      for await (const _chunk of s.chunks) break;
      throw new Error('disk full');
    });
    expect(await a.transport.sendSnapshot(snapMsg(1, 2), pieces(1024 * 1024, [10_000]))).toBe(
      'failure',
    );
    expect(statuses).toEqual(['failure']);
    expect(a.logsWith('SNAPSHOT_FAILED')).toHaveLength(1);
    // The stream link is untouched: a heartbeat still goes through, and no MsgSnap arrived.
    a.transport.send([msg('MsgHeartbeat', [1, 2])]);
    await b.until(() => b.received.length === 1, 'heartbeat');
    expect(b.received[0]?.type).toBe('MsgHeartbeat');
  });

  it('fails the receiver stream when the source breaks mid-way', async () => {
    let receiverError: unknown;
    const [a, b, statuses] = await pair(async (s) => {
      try {
        for await (const _chunk of s.chunks) {
          // consume
        }
      } catch (e) {
        receiverError = e;
        b.wake();
        throw e;
      }
    });
    function* broken(): Generator<Uint8Array> {
      yield Buffer.alloc(200_000, 1);
      throw new Error('source read failed');
    }
    expect(await a.transport.sendSnapshot(snapMsg(1, 2), broken())).toBe('failure');
    expect(statuses).toEqual(['failure']);
    await b.until(() => receiverError !== undefined, 'receiver fails');
    expect(isTransportError(receiverError, 'SNAPSHOT_FAILED')).toBe(true);
  });

  it('fails a snapshot in flight when the sender closes', async () => {
    let chunks = 0;
    const [a, b, statuses] = await pair(async (s) => {
      for await (const _chunk of s.chunks) {
        chunks++;
        b.wake();
      }
    });
    let release: () => void = () => undefined;
    async function* stalled(): AsyncGenerator<Uint8Array> {
      yield Buffer.alloc(1000, 1);
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      yield Buffer.alloc(1000, 2);
    }
    const sending = a.transport.sendSnapshot(snapMsg(1, 2), stalled());
    await b.until(() => chunks === 1, 'the first chunk');
    await a.transport.close();
    release();
    expect(await sending).toBe('failure');
    expect(statuses).toEqual(['failure']);
  });

  it('refuses snapshots when no handler is configured', async () => {
    const [a] = await pair();
    expect(await a.transport.sendSnapshot(snapMsg(1, 2), pieces(1000, [100]))).toBe('failure');
  });

  it('fails the stream on a checksum mismatch', async () => {
    let receiverError: unknown;
    const [, b] = await pair(async (s) => {
      try {
        for await (const _chunk of s.chunks) {
          // consume
        }
      } catch (e) {
        receiverError = e;
        b.wake();
        throw e;
      }
    });
    const peer = await rawPeer(b.url, { from: 1, to: 2, purpose: connPurposes.SNAPSHOT });
    const acks: Buffer[] = [];
    peer.ws.on('message', (d: Buffer) => acks.push(d));
    const body = Buffer.alloc(5000, 3);
    peer.ws.send(buildFrame(frameKinds.SNAP_HEAD, encodeMessage(snapMsg(1, 2)).parts));
    peer.ws.send(buildFrame(frameKinds.SNAP_CHUNK, [body]));
    const wrong = createHash('sha256').update('something else').digest();
    peer.ws.send(controlFrame(frameKinds.SNAP_END, [body.byteLength, wrong]));
    await b.until(() => receiverError !== undefined, 'receiver fails');
    expect(isTransportError(receiverError, 'SNAPSHOT_FAILED')).toBe(true);
    expect((receiverError as Error).message).toContain('checksum');
    await peer.closed;
    expect(acks.map((d) => d[0])).toEqual([frameKinds.SNAP_ACK]);
    expect(b.received).toEqual([]);
  });
});
