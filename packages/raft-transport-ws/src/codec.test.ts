// Goal: every message shape survives encode -> frame -> decode unchanged (property test over all
// peer message types, with entries, snapshots and large safe integers), and what the gateway
// must refuse is refused with DECODE_FAILED: local types, unsafe integers, malformed tuples.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { localMessageTypes, messageTypes, type Entry, type Message } from '@keel/raft-core';
import {
  buildFrame,
  controlFrame,
  decodeBatch,
  decodeControl,
  encodeMessage,
  frameKinds,
} from './codec.js';
import { isTransportError } from './errors.js';

const peerTypes = messageTypes.filter((t) => !localMessageTypes.has(t));

/** A heartbeat from 1 to 2 carrying `commit`. */
const hb = (commit: number): Message => ({
  type: 'MsgHeartbeat',
  to: 2,
  from: 1,
  term: 1,
  logTerm: 0,
  index: 0,
  commit,
  entries: [],
  reject: false,
  rejectHint: 0,
  context: Buffer.alloc(0),
});
const uint = fc.maxSafeNat();
const id = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER });
const bytes = fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b));
const ids = fc.uniqueArray(fc.integer({ min: 1, max: 1000 }), { maxLength: 4 });

const snapshot = fc.record({
  data: bytes,
  metadata: fc.record({
    index: uint,
    term: uint,
    confState: fc.record({
      voters: ids,
      learners: ids,
      votersOutgoing: ids,
      learnersNext: ids,
      autoLeave: fc.boolean(),
    }),
  }),
});

const message: fc.Arbitrary<Message> = fc
  .record({
    type: fc.constantFrom(...peerTypes),
    to: id,
    from: id,
    term: uint,
    logTerm: uint,
    index: fc.nat({ max: 2 ** 40 }),
    commit: uint,
    reject: fc.boolean(),
    rejectHint: uint,
    context: bytes,
    entryTerms: fc.array(fc.nat({ max: 3 }), { maxLength: 5 }),
    entryData: bytes,
    snapshot: fc.option(snapshot, { nil: undefined }),
  })
  .map(({ entryTerms, entryData, snapshot: snap, ...m }) => {
    // Entries follow `index` with non-decreasing terms; proposals carry unplaced entries.
    let term = 0;
    const entries: Entry[] = entryTerms.map((step, i) => {
      term += step;
      const placed = m.type !== 'MsgProp';
      return {
        term: placed ? term : 0,
        index: placed ? m.index + 1 + i : 0,
        type: i % 2 === 0 ? 'EntryNormal' : 'EntryConfChange',
        data: entryData,
      };
    });
    return { ...m, entries, ...(snap === undefined ? {} : { snapshot: snap }) };
  });

function batch(messages: readonly Message[]): Uint8Array {
  return buildFrame(
    frameKinds.BATCH,
    messages.flatMap((m) => encodeMessage(m).parts),
  ).subarray(1);
}

function decodeError(payload: Uint8Array): string {
  try {
    decodeBatch(payload);
    return 'decoded';
  } catch (e) {
    return isTransportError(e, 'DECODE_FAILED') ? e.message : 'other error';
  }
}

describe('codec', () => {
  it('round-trips batches of every message shape', () => {
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 5 }), (messages) => {
        expect(decodeBatch(batch(messages))).toEqual(messages);
      }),
      { numRuns: 300 },
    );
  });

  it('covers every peer message type', () => {
    const all = peerTypes.map((type): Message => ({ ...hb(0), type }));
    expect(decodeBatch(batch(all)).map((m) => m.type)).toEqual(peerTypes);
  });

  it('refuses local types, unsafe integers and malformed tuples with DECODE_FAILED', () => {
    const base = hb(0);
    expect(decodeError(batch([{ ...base, type: 'MsgHup' }]))).toContain('local-only');
    expect(decodeError(batch([{ ...base, term: 2 ** 53 + 2 }]))).toContain(
      'term must be a non-negative safe integer',
    );
    expect(decodeError(batch([{ ...base, from: 0 }]))).toContain('non-zero');
    expect(decodeError(controlFrame(frameKinds.BATCH, [1, 2, 3]).subarray(1))).toContain(
      '16-tuple',
    );
    expect(decodeError(new Uint8Array(0))).toContain('empty');
    expect(decodeError(Uint8Array.from([0x92, 0x01]))).toContain('not msgpack');
    expect(decodeError(Uint8Array.from([0xdd, 0xff, 0xff, 0xff, 0xff]))).toContain('not msgpack');
    expect(decodeError(Uint8Array.from([0xc1]))).toContain('16-tuple');
    const gap = {
      ...base,
      type: 'MsgApp' as const,
      index: 5,
      entries: [{ term: 1, index: 7, type: 'EntryNormal' as const, data: Buffer.alloc(0) }],
    };
    expect(decodeError(batch([gap]))).toContain('contiguous');
    expect(() => decodeControl(Uint8Array.from([0x91, 0x01]), 2, 'ack')).toThrow(
      'ack must be a 2-tuple',
    );
  });

  it('reads any msgpack form of a tuple: the general reader takes over where the fast one stops', () => {
    // The same tuple as a general msgpack packer writes it (bin8 byte fields, nil snapshot).
    const typeIndex = messageTypes.indexOf('MsgHeartbeat');
    const packed = (commit: number, rejectHint: number): Uint8Array =>
      controlFrame(frameKinds.BATCH, [
        ...[typeIndex, 2, 1, 1, 0, 0, commit, false, rejectHint, null],
        ...[[], [], [], [], Buffer.alloc(0), Buffer.alloc(0)],
      ]).subarray(1);
    const snap: Message = {
      ...hb(3),
      type: 'MsgSnap',
      snapshot: {
        data: Buffer.alloc(0),
        metadata: {
          index: 0,
          term: 0,
          confState: {
            voters: [1],
            learners: [],
            votersOutgoing: [],
            learnersNext: [],
            autoLeave: false,
          },
        },
      },
    };
    const joined = (...parts: Uint8Array[]): Uint8Array => Buffer.concat(parts);
    expect(decodeBatch(joined(batch([hb(1)]), packed(2, 0), batch([snap, hb(4)])))).toEqual([
      hb(1),
      hb(2),
      snap,
      hb(4),
    ]);
    // A float where an integer belongs: the general reader decodes it, the gateway refuses it.
    expect(decodeError(joined(batch([hb(1)]), packed(2, 0.5)))).toContain('rejectHint');
    expect(decodeError(batch([{ ...hb(1), rejectHint: -1 }]))).toContain('rejectHint');
  });

  it('writes every integer form at its boundaries, as long as a general packer would', () => {
    const edges = [0, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0xffffffff, 2 ** 32];
    for (const commit of [...edges, Number.MAX_SAFE_INTEGER]) {
      const m = hb(commit);
      expect(decodeBatch(batch([m]))).toEqual([m]);
      const general = controlFrame(frameKinds.BATCH, [0, 2, 1, 1, 0, 0, commit]).byteLength;
      const ours = controlFrame(frameKinds.BATCH, [0, 2, 1, 1, 0, 0, 0]).byteLength;
      expect(encodeMessage(m).sizeBytes - encodeMessage({ ...m, commit: 0 }).sizeBytes).toBe(
        general - ours,
      );
    }
  });
});
