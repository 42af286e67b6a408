// Goal: the bounds hold on real sockets. An oversize message is dropped with FRAME_TOO_LARGE on
// sending, an oversize frame is refused by the receiver (ws maxPayload, close 1009) and logged
// with FRAME_TOO_LARGE, a full send queue drops with QUEUE_FULL and reports the peer
// unreachable, a peer that stops answering pings is cut, and injected faults (partition, drop,
// delay) act per link and leave the others alone.
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import {
  controlFrame,
  frameKinds,
  buildFrame,
  encodeMessage,
  protocolVersion,
} from '../src/codec.js';
import { closeCodes } from '../src/index.js';
import { batchBytesTarget } from '../src/limits.js';
import { TestMember, closeAll, fullMesh, msg } from './harness.js';
import { rawPeer } from './raw-peer.js';

let members: TestMember[] = [];
afterEach(async () => {
  await closeAll(members);
  members = [];
});

const big = (
  n: number,
): {
  entries: { term: number; index: number; type: 'EntryNormal'; data: Buffer }[];
  index: number;
} => ({
  index: 0,
  entries: [{ term: 1, index: 1, type: 'EntryNormal', data: Buffer.alloc(n, 7) }],
});

describe('frame size', () => {
  it('drops a message larger than frameBytesMax on sending, with FRAME_TOO_LARGE', async () => {
    members = await fullMesh([1, 2], { limits: { frameBytesMax: 4096, snapshotChunkBytes: 1024 } });
    const [a, b] = members as [TestMember, TestMember];
    a.transport.send([
      msg('MsgApp', [1, 2], big(5000)),
      msg('MsgHeartbeat', [1, 2], { commit: 3 }),
    ]);
    await b.until(() => b.received.length === 1, 'the small message');
    expect(b.received[0]?.type).toBe('MsgHeartbeat');
    expect(a.transport.stats().droppedFrameTooLarge).toBe(1);
    expect(a.logsWith('FRAME_TOO_LARGE')).toHaveLength(1);
    await a.until(() => a.unreachable.includes(2), 'unreachable');
  });

  it('refuses a frame larger than its own frameBytesMax on receiving', async () => {
    const a = await new TestMember(1, {
      limits: { frameBytesMax: 4096, snapshotChunkBytes: 1024 },
    }).start();
    members = [a];
    a.transport.addPeer(2, 'ws://127.0.0.1:1');
    const peer = await rawPeer(a.url, { from: 2, to: 1 });
    peer.ws.send(
      buildFrame(frameKinds.BATCH, encodeMessage(msg('MsgApp', [2, 1], big(5000))).parts),
    );
    expect(await peer.closed).toBe(closeCodes.MESSAGE_TOO_BIG);
    await a.until(() => a.logsWith('FRAME_TOO_LARGE').length === 1, 'log line');
    expect(a.received).toEqual([]);
  });

  it('splits one turn that exceeds frameBytesMax into several frames, in order', async () => {
    members = await fullMesh([1, 2], { limits: { frameBytesMax: 4096, snapshotChunkBytes: 1024 } });
    const [a, b] = members as [TestMember, TestMember];
    const sent = Array.from({ length: 20 }, (_, i) =>
      msg('MsgApp', [1, 2], { ...big(1000), commit: i }),
    );
    a.transport.send(sent);
    await b.until(() => b.received.length === 20, 'all');
    expect(b.received.map((m) => m.commit)).toEqual(sent.map((m) => m.commit));
    expect(a.transport.stats().sentFrames).toBeGreaterThanOrEqual(5);
  });

  it('sends a large turn as frames of about batchBytesTarget, in order, small turns as one', async () => {
    members = await fullMesh([1, 2]);
    const [a, b] = members as [TestMember, TestMember];
    const entryBytes = 10_000;
    const sent = Array.from({ length: 40 }, (_, i) =>
      msg('MsgApp', [1, 2], { ...big(entryBytes), commit: i }),
    );
    a.transport.send(sent);
    await b.until(() => b.received.length === sent.length, 'all');
    expect(b.received.map((m) => m.commit)).toEqual(sent.map((m) => m.commit));
    // 400 kB in one turn: at least one frame per batchBytesTarget plus one message.
    const frames = a.transport.stats().sentFrames;
    expect(frames).toBeGreaterThan(1);
    expect(frames).toBeGreaterThanOrEqual(
      (sent.length * entryBytes) / (batchBytesTarget + 2 * entryBytes),
    );
    const framesBefore = a.transport.stats().sentFrames;
    a.transport.send(sent.map((m) => ({ ...m, entries: [] })));
    await b.until(() => b.received.length === 2 * sent.length, 'small ones');
    expect(a.transport.stats().sentFrames).toBe(framesBefore + 1);
  });
});

describe('send queue', () => {
  it('drops beyond sendQueueMsgsMax with QUEUE_FULL, logs once, and reports unreachable', async () => {
    members = await fullMesh([1, 2], { limits: { sendQueueMsgsMax: 10 } });
    const [a, b] = members as [TestMember, TestMember];
    a.transport.send(
      Array.from({ length: 25 }, (_, i) => msg('MsgHeartbeat', [1, 2], { commit: i })),
    );
    expect(a.transport.stats().droppedQueueFull).toBe(15);
    expect(a.logsWith('QUEUE_FULL')).toHaveLength(1);
    await a.until(() => a.unreachable.includes(2), 'unreachable');
    await b.until(() => b.received.length === 10, 'the queued ten');
    expect(b.received.map((m) => m.commit)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(a.unreachable).toEqual([2]);
  });
});

describe('liveness', () => {
  it('terminates a connection whose peer stops answering pings, and redials', async () => {
    // A fake member 2 that completes the handshake but never answers pings.
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, autoPong: false });
    await new Promise((r) => wss.once('listening', r));
    let connections = 0;
    wss.on('connection', (ws) => {
      connections++;
      ws.once('message', () => {
        ws.send(controlFrame(frameKinds.WELCOME, [protocolVersion, 'cluster-a', 2]));
      });
    });
    const { port } = wss.address() as AddressInfo;
    const a = await new TestMember(1, {
      limits: { pingMs: 50, reconnectBaseMs: 10, reconnectMaxMs: 20 },
    }).start();
    members = [a];
    try {
      a.transport.addPeer(2, `ws://127.0.0.1:${port}`);
      await a.connectedTo(2);
      await a.until(
        () => a.logs.some((l) => l.message.startsWith('lost connection to member 2')),
        'cut',
        3000,
      );
      await a.until(
        () => a.logs.filter((l) => l.message.startsWith('connected to member 2')).length === 2,
        'redial',
      );
      expect(connections).toBeGreaterThanOrEqual(2);
    } finally {
      for (const ws of wss.clients) ws.terminate();
      await new Promise((r) => {
        wss.close(r);
      });
    }
  });
});

describe('fault injection', () => {
  it('partitions one link both ways and heals it', async () => {
    members = await fullMesh([1, 2, 3]);
    const [a, b, c] = members as [TestMember, TestMember, TestMember];
    a.transport.faults.set(2, { partitioned: true });
    a.transport.send([msg('MsgHeartbeat', [1, 2]), msg('MsgHeartbeat', [1, 3])]);
    b.transport.send([msg('MsgHeartbeat', [2, 1], { commit: 1 })]);
    c.transport.send([msg('MsgHeartbeat', [3, 1], { commit: 2 })]);
    await c.until(() => c.received.length === 1, 'c hears a');
    await a.until(() => a.received.length === 1, 'a hears c');
    await a.until(() => a.transport.stats().droppedByFaults === 2, 'both directions cut');
    expect(a.received[0]?.from).toBe(3);
    expect(b.received).toEqual([]);
    a.transport.faults.clear();
    a.transport.send([msg('MsgHeartbeat', [1, 2], { commit: 5 })]);
    await b.until(() => b.received.length === 1, 'healed');
  });

  it('drops by rate and delays in order', async () => {
    let draws = 0;
    // Deterministic "randomness": every other draw is below 0.5.
    members = await fullMesh([1, 2], { random: () => (draws++ % 2 === 0 ? 0.25 : 0.75) });
    const [a, b] = members as [TestMember, TestMember];
    a.transport.faults.set(2, { dropRate: 0.5 });
    draws = 0;
    a.transport.send(
      Array.from({ length: 10 }, (_, i) => msg('MsgHeartbeat', [1, 2], { commit: i })),
    );
    await b.until(() => b.received.length === 5, 'half');
    expect(b.received.map((m) => m.commit)).toEqual([1, 3, 5, 7, 9]);
    a.transport.faults.set(2, { delayMs: 30 });
    const t0 = performance.now();
    a.transport.send(
      Array.from({ length: 5 }, (_, i) => msg('MsgHeartbeat', [1, 2], { commit: 100 + i })),
    );
    await b.until(() => b.received.length === 10, 'delayed');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(25);
    expect(b.received.slice(5).map((m) => m.commit)).toEqual([100, 101, 102, 103, 104]);
    expect(() => {
      a.transport.faults.set(2, { dropRate: 2 });
    }).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }) as Error);
  });
});
