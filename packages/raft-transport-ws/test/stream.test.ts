// Goal: a pair of members shares one stream connection that carries messages both ways. A
// stream the peer dialled carries our messages back to it, a newer stream from that peer
// replaces the older one (4008) and only the newer one is used, and when both members dial at
// once the lower member's dial wins and the higher member's dial is closed.
// Method: a hand-driven raw peer on real sockets on 127.0.0.1; waits are woken by events.
import { afterEach, describe, expect, it } from 'vitest';
import type { Message } from '@keel/raft-core';
import { buildFrame, decodeBatch, encodeMessage, frameKinds } from '../src/codec.js';
import { closeCodes } from '../src/index.js';
import { TestMember, closeAll, msg } from './harness.js';
import { rawPeer, type RawPeer } from './raw-peer.js';

let members: TestMember[] = [];
const raws: RawPeer[] = [];
afterEach(async () => {
  for (const r of raws.splice(0)) r.ws.terminate();
  await closeAll(members);
  members = [];
});

/** Resolves with the messages of the next BATCH frame `peer` receives. */
function nextBatch(peer: RawPeer): Promise<Message[]> {
  return new Promise((resolve) => {
    const onFrame = (data: Buffer): void => {
      if (data[0] !== frameKinds.BATCH) return;
      peer.ws.off('message', onFrame);
      resolve(decodeBatch(data.subarray(1)));
    };
    peer.ws.on('message', onFrame);
  });
}

describe('one stream per pair', () => {
  it('sends our messages on the stream the peer dialled, and a newer stream replaces it', async () => {
    const a = await new TestMember(3).start();
    members = [a];
    // a cannot dial member 2 (nothing listens there): the stream is the one 2 dials.
    a.transport.addPeer(2, 'ws://127.0.0.1:1');
    const first = await rawPeer(a.url, { from: 2, to: 3 });
    raws.push(first);
    await a.connectedTo(2);
    const since = a.transport.connectedSinceMs(2);
    const got = nextBatch(first);
    a.transport.send([msg('MsgHeartbeat', [3, 2], { commit: 7 })]);
    expect((await got).map((m) => m.commit)).toEqual([7]);

    const second = await rawPeer(a.url, { from: 2, to: 3 });
    raws.push(second);
    expect(await first.closed).toBe(closeCodes.REPLACED);
    // A replacement keeps the connected time; messages now take the newer stream.
    expect(a.transport.connectedSinceMs(2)).toBe(since);
    const again = nextBatch(second);
    a.transport.send([msg('MsgHeartbeat', [3, 2], { commit: 8 })]);
    expect((await again).map((m) => m.commit)).toEqual([8]);
    second.ws.send(
      buildFrame(frameKinds.BATCH, encodeMessage(msg('MsgHeartbeat', [2, 3], { commit: 9 })).parts),
    );
    await a.until(() => a.received.some((m) => m.commit === 9), 'the message on the new stream');
  });

  it('lets the lower member win when both dial at once: the higher one drops its own dial', async () => {
    const a = await new TestMember(1).start();
    const b = await new TestMember(2).start();
    members = [a, b];
    a.transport.addPeer(2, b.url);
    b.transport.addPeer(1, a.url);
    await Promise.all([a.connectedTo(2), b.connectedTo(1)]);
    // Traffic both ways right after connecting arrives: neither side sent on a losing dial.
    a.transport.send([msg('MsgHeartbeat', [1, 2], { commit: 1 })]);
    b.transport.send([msg('MsgHeartbeat', [2, 1], { commit: 2 })]);
    await a.until(() => a.received.length === 1, 'from b');
    await b.until(() => b.received.length === 1, 'from a');
    // b logged the stream a dialled; a logged its own dial; neither logged a lost stream.
    expect(b.logs.map((l) => l.message)).toContain('member 1 connected');
    expect(a.logs.map((l) => l.message).some((m) => m.startsWith('connected to member 2'))).toBe(
      true,
    );
    for (const m of [a, b]) expect(m.logs.some((l) => l.message.startsWith('lost'))).toBe(false);
  });
});
