// Goal: ReadOnly answers a read once a quorum acked it, together with every read queued
// before it, and heartbeats carry the newest pending context.
import { describe, expect, it } from 'vitest';
import { makeMessage } from './message.js';
import { ReadOnly } from './read-only.js';

const req = (ctx: number) =>
  makeMessage({ type: 'MsgReadIndex', to: 1, from: 2, context: new Uint8Array([ctx]) });

describe('ReadOnly', () => {
  it('queues requests and releases a prefix on advance', () => {
    const ro = new ReadOnly('safe');
    ro.addRequest(5, req(1));
    ro.addRequest(6, req(2));
    ro.addRequest(6, req(2)); // duplicate context: ignored
    ro.addRequest(7, req(3));
    expect(ro.pendingCount()).toBe(3);
    expect(ro.lastPendingRequestCtx()).toEqual(new Uint8Array([3]));
    const acks = ro.recvAck(4, new Uint8Array([2]));
    expect(acks?.get(4)).toBe(true);
    expect(ro.recvAck(4, new Uint8Array([9]))).toBeUndefined();
    const done = ro.advance(new Uint8Array([2]));
    expect(done.map((rs) => rs.index)).toEqual([5, 6]);
    expect(ro.pendingCount()).toBe(1);
    expect(ro.advance(new Uint8Array([9]))).toEqual([]);
  });
});
