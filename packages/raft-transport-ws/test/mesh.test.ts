// Goal: over real sockets on 127.0.0.1, every message type arrives intact, three members in full
// mesh deliver in order per link and batch a turn's messages into one frame, a restarted member
// is reconnected to and traffic resumes, and the lifecycle errors (PEER_UNKNOWN, CLOSED) hold.
// Method: TestMember records callbacks; waits are woken by those events and bounded.
import { afterEach, describe, expect, it } from 'vitest';
import { messageTypes, localMessageTypes, type Message } from '@keel/raft-core';
import { isTransportError } from '../src/index.js';
import { TestMember, closeAll, fullMesh, msg } from './harness.js';

let members: TestMember[] = [];
afterEach(async () => {
  await closeAll(members);
  members = [];
});

function oneOfEachType(from: number, to: number): Message[] {
  // Buffers, because decoded byte fields are Buffers (a Uint8Array subclass) sharing the frame.
  const bytes = (n: number): Uint8Array =>
    Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + n) % 256));
  return messageTypes
    .filter((t) => !localMessageTypes.has(t))
    .map((type, i) => {
      const base = {
        term: 3 + i,
        logTerm: 2,
        index: 10 + i,
        commit: 9,
        rejectHint: i,
        context: bytes(i),
      };
      if (type === 'MsgApp') {
        const entries = [
          { term: 2, index: 11 + i, type: 'EntryNormal' as const, data: bytes(256) },
          { term: 3, index: 12 + i, type: 'EntryConfChange' as const, data: bytes(3) },
        ];
        return msg(type, [from, to], { ...base, entries });
      }
      if (type === 'MsgProp') {
        return msg(type, [from, to], {
          ...base,
          entries: [{ term: 0, index: 0, type: 'EntryNormal', data: bytes(5) }],
        });
      }
      if (type === 'MsgSnap') {
        const confState = {
          voters: [1, 2, 3],
          learners: [4],
          votersOutgoing: [1],
          learnersNext: [],
          autoLeave: true,
        };
        return msg(type, [from, to], {
          ...base,
          snapshot: { data: bytes(100), metadata: { index: 50, term: 2, confState } },
        });
      }
      return msg(type, [from, to], { ...base, reject: i % 2 === 0 });
    });
}

describe('Transport mesh', () => {
  it('delivers every peer message type intact', async () => {
    members = await fullMesh([1, 2]);
    const [a, b] = members as [TestMember, TestMember];
    const sent = oneOfEachType(1, 2);
    expect(sent.length).toBe(messageTypes.length - localMessageTypes.size);
    a.transport.send(sent);
    await b.until(() => b.received.length === sent.length, 'all types');
    expect(b.received).toEqual(sent);
    // One turn's messages went out as one frame.
    expect(a.transport.stats()).toMatchObject({ sentFrames: 1, sentMsgs: sent.length });
  }, 10_000);

  it('delivers in order on every link of a three-member mesh', async () => {
    members = await fullMesh([1, 2, 3]);
    const perLink = 300;
    for (let turn = 0; turn < perLink; turn++) {
      for (const from of members) {
        for (const to of members) {
          if (from !== to)
            from.transport.send([msg('MsgHeartbeat', [from.id, to.id], { commit: turn })]);
        }
      }
      // Spread over several turns so some batches are split across frames.
      if (turn % 50 === 49) await new Promise((r) => setImmediate(r));
    }
    await Promise.all(
      members.map((m) => m.until(() => m.received.length === 2 * perLink, 'all messages')),
    );
    for (const m of members) {
      for (const from of members.filter((x) => x !== m)) {
        const commits = m.received.filter((r) => r.from === from.id).map((r) => r.commit);
        expect(commits).toEqual(Array.from({ length: perLink }, (_, i) => i));
      }
    }
  }, 15_000);

  it('reconnects to a restarted member and traffic resumes', async () => {
    members = await fullMesh([1, 2, 3]);
    const [a, b, c] = members as [TestMember, TestMember, TestMember];
    const port = Number(new URL(c.url).port);
    const sinceBefore = a.transport.connectedSinceMs(3);
    await c.transport.close();
    await a.until(() => a.transport.connectedSinceMs(3) === undefined, 'a notices c is gone');
    await b.until(() => b.transport.connectedSinceMs(3) === undefined, 'b notices c is gone');
    expect(a.transport.connectedForMs(3)).toBe(0);
    const c2 = await new TestMember(3, { listen: { host: '127.0.0.1', port } }).start();
    members = [a, b, c2];
    c2.transport.addPeer(1, a.url);
    c2.transport.addPeer(2, b.url);
    await Promise.all([a.connectedTo(3), b.connectedTo(3), c2.connectedTo(1), c2.connectedTo(2)]);
    expect(a.transport.connectedSinceMs(3)).toBeGreaterThan(sinceBefore ?? Infinity);
    a.transport.send([msg('MsgHeartbeat', [1, 3], { commit: 7 })]);
    b.transport.send([msg('MsgHeartbeat', [2, 3], { commit: 8 })]);
    c2.transport.send([msg('MsgHeartbeatResp', [3, 1]), msg('MsgHeartbeatResp', [3, 2])]);
    await c2.until(() => c2.received.length === 2, 'c2 hears both');
    await a.until(() => a.received.some((m) => m.from === 3), 'a hears c2');
    await b.until(() => b.received.some((m) => m.from === 3), 'b hears c2');
    expect(c2.received.map((m) => m.commit).sort()).toEqual([7, 8]);
  }, 15_000);

  it('drops messages to a disconnected peer and reports it unreachable', async () => {
    const a = await new TestMember(1).start();
    members = [a];
    a.transport.addPeer(2, 'ws://127.0.0.1:1');
    a.transport.send([msg('MsgHeartbeat', [1, 2])]);
    await a.until(() => a.unreachable.includes(2), 'unreachable report');
    expect(a.transport.stats().droppedDisconnected).toBe(1);
  });

  it('drops messages to an unknown member with PEER_UNKNOWN, and refuses snapshots to it', async () => {
    const a = await new TestMember(1).start();
    members = [a];
    a.transport.send([msg('MsgHeartbeat', [1, 9]), msg('MsgHeartbeat', [1, 9])]);
    expect(a.transport.stats().droppedUnknownPeer).toBe(2);
    expect(a.logsWith('PEER_UNKNOWN')).toHaveLength(1);
    const snap = msg('MsgSnap', [1, 9], {
      snapshot: {
        data: new Uint8Array(0),
        metadata: {
          index: 1,
          term: 1,
          confState: {
            voters: [1],
            learners: [],
            votersOutgoing: [],
            learnersNext: [],
            autoLeave: false,
          },
        },
      },
    });
    const err: unknown = await a.transport
      .sendSnapshot(snap, (async function* () {})())
      .catch((e: unknown) => e);
    expect(isTransportError(err, 'PEER_UNKNOWN')).toBe(true);
    expect(() => {
      a.transport.removePeer(9);
    }).toThrow(expect.objectContaining({ code: 'PEER_UNKNOWN' }));
  });

  it('refuses use after close with CLOSED, and close is idempotent', async () => {
    const a = await new TestMember(1).start();
    await a.transport.close();
    await a.transport.close();
    expect(() => {
      a.transport.send([]);
    }).toThrow(expect.objectContaining({ code: 'CLOSED' }));
    await expect(a.transport.start()).rejects.toMatchObject({ code: 'CLOSED' });
    expect(() => {
      a.transport.addPeer(2, 'ws://127.0.0.1:1');
    }).toThrow(expect.objectContaining({ code: 'CLOSED' }));
  });

  it('fails start() with INVALID_CONFIG when the port is taken', async () => {
    const a = await new TestMember(1).start();
    const port = Number(new URL(a.url).port);
    const b = new TestMember(2, { listen: { host: '127.0.0.1', port } });
    members = [a, b];
    await expect(b.transport.start()).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      message: expect.stringContaining(`cannot listen on 127.0.0.1:${port}`) as string,
    });
  });

  it('refuses a bad config with INVALID_CONFIG naming the field', () => {
    const bad = (o: object): string => {
      try {
        new TestMember(1, o);
      } catch (e) {
        return isTransportError(e, 'INVALID_CONFIG') ? e.message : 'other error';
      }
      return 'accepted';
    };
    expect(bad({ memberId: 0 })).toContain('memberId');
    expect(bad({ clusterId: '' })).toContain('clusterId');
    expect(bad({ peers: new Map([[1, 'ws://x:1']]) })).toContain('this member');
    expect(bad({ peers: new Map([[2, 'http://x:1']]) })).toContain('ws://');
    expect(bad({ limits: { frameBytesMax: 0 } })).toContain('frameBytesMax');
    expect(bad({ limits: { snapshotChunkBytes: 16 * 1024 * 1024 } })).toContain(
      'snapshotChunkBytes',
    );
    expect(bad({ limits: { reconnectBaseMs: 10, reconnectMaxMs: 5 } })).toContain(
      'reconnectBaseMs',
    );
    expect(bad({})).toBe('accepted');
  });
});
