// Goal: nothing a connected peer sends can crash the process or deliver an invalid message:
// random bytes and random mutations of valid frames either decode into messages that passed
// raft-core's gateway check, or close that connection with DECODE_FAILED, and the transport
// keeps serving. Method: fast-check drives a raw, handshaken connection; after each fuzzed frame
// a valid marker frame shows whether the connection survived. numRuns is bounded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { WebSocket } from 'ws';
import { assertValidMessage, messageTypes, localMessageTypes, type Message } from '@keel/raft-core';
import { buildFrame, encodeMessage, frameKinds } from '../src/codec.js';
import { closeCodes } from '../src/index.js';
import { TestMember, msg } from './harness.js';
import { rawPeer } from './raw-peer.js';

let a: TestMember;
beforeAll(async () => {
  a = await new TestMember(1).start();
  a.transport.addPeer(2, 'ws://127.0.0.1:1');
});
afterAll(async () => {
  await a.transport.close();
});

let marker = 1_000_000;

/** Sends `frame` then a marker; resolves 'closed' with DECODE_FAILED or 'alive' when the marker arrives. */
async function probe(frame: Buffer): Promise<'closed' | 'alive'> {
  const peer = await rawPeer(a.url, { from: 2, to: 1 });
  const id = ++marker;
  peer.ws.send(frame);
  peer.ws.send(
    buildFrame(frameKinds.BATCH, encodeMessage(msg('MsgHeartbeat', [2, 1], { commit: id })).parts),
  );
  const arrived = a.until(() => a.received.some((m) => m.commit === id), 'marker');
  const outcome = await Promise.race([
    peer.closed.then((code) => ({ code })),
    arrived.then(() => 'alive' as const),
  ]);
  peer.ws.terminate();
  if (outcome === 'alive') return 'alive';
  expect(outcome.code).toBe(closeCodes.DECODE_FAILED);
  return 'closed';
}

const peerTypes = messageTypes.filter((t) => !localMessageTypes.has(t));

function validFrame(type: number, entryCount: number): Buffer {
  const t = peerTypes[type % peerTypes.length] ?? 'MsgApp';
  const entries =
    t === 'MsgApp'
      ? Array.from({ length: entryCount }, (_, i) => ({
          term: 1,
          index: 6 + i,
          type: 'EntryNormal' as const,
          data: Buffer.alloc(8, i),
        }))
      : [];
  return buildFrame(frameKinds.BATCH, encodeMessage(msg(t, [2, 1], { index: 5, entries })).parts);
}

describe('decoding untrusted frames', () => {
  it('survives random bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 300 }), async (bytes) => {
        const outcome = await probe(Buffer.from(bytes));
        // Only a frame that starts as a valid batch could leave the connection open.
        if (outcome === 'alive') expect(bytes[0]).toBe(frameKinds.BATCH);
      }),
      { numRuns: 150 },
    );
  }, 30_000);

  it('survives random mutations of valid frames', async () => {
    const mutation = fc.record({
      type: fc.nat(),
      entryCount: fc.integer({ min: 0, max: 4 }),
      edits: fc.array(
        fc.record({
          at: fc.nat(),
          value: fc.integer({ min: 0, max: 255 }),
          kind: fc.constantFrom('set', 'cut', 'insert'),
        }),
        { minLength: 1, maxLength: 4 },
      ),
    });
    await fc.assert(
      fc.asyncProperty(mutation, async ({ type, entryCount, edits }) => {
        let bytes = [...validFrame(type, entryCount)];
        for (const e of edits) {
          const at = e.at % (bytes.length + 1);
          if (e.kind === 'set') bytes[Math.min(at, bytes.length - 1)] = e.value;
          else if (e.kind === 'cut') bytes = bytes.slice(0, at);
          else bytes.splice(at, 0, e.value);
        }
        await probe(Buffer.from(bytes));
      }),
      { numRuns: 200 },
    );
    // Whatever got through was valid by raft-core's own check.
    for (const m of a.received) assertValidMessage(m);
    expect(a.transport.stats().decodeFailures).toBeGreaterThan(0);
  }, 30_000);

  it('survives random bytes in place of the hello', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 200 }), async (bytes) => {
        const ws = new WebSocket(a.url);
        const code = await new Promise<number>((resolve) => {
          ws.on('open', () => {
            ws.send(Buffer.from(bytes));
          });
          ws.on('close', resolve);
        });
        // Either a refusal of what decoded as a hello, or DECODE_FAILED: always a close.
        expect(code).toBeGreaterThanOrEqual(4001);
        expect(code).toBeLessThanOrEqual(4006);
      }),
      { numRuns: 60 },
    );
  }, 30_000);

  it('still serves a well-behaved peer afterwards', async () => {
    const b = await new TestMember(2).start();
    try {
      a.transport.addPeer(2, b.url);
      b.transport.addPeer(1, a.url);
      await b.connectedTo(1);
      const sent: Message[] = [msg('MsgVote', [2, 1], { term: 9 })];
      b.transport.send(sent);
      await a.until(() => a.received.some((m) => m.type === 'MsgVote' && m.term === 9), 'vote');
    } finally {
      await b.transport.close();
    }
  });
});
