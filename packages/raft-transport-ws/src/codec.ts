// The wire format. Every frame is one binary WebSocket message: a one-byte kind, then a payload.
// Messages travel as fixed positional tuples (version `protocolVersion`), packed by one
// module-level Packr without records or `sequential`, so no codec state outlives a frame and a
// reconnect can never desynchronise the two ends. A new field means a new protocol version.
//
//   HELLO      [version, clusterId, clusterToken, from, to, purpose]      client -> server
//   WELCOME    [version, clusterId, memberId]                              server -> client
//   BATCH      msg msg msg ...  (concatenated msgpack tuples, in order)    client -> server
//   SNAP_HEAD  msg  (the MsgSnap, whose snapshot.data travels as chunks)   client -> server
//   SNAP_CHUNK raw bytes                                                   client -> server
//   SNAP_END   [byteCount, sha256]                                         client -> server
//   SNAP_ACK   [ok, reason]                                                server -> client
//
// A message tuple is [type, to, from, term, logTerm, index, commit, reject, rejectHint,
// snapshot, entryTerms, entryIndexes, entryTypes, entrySizes, context, entryData]: entries
// travel as columns, and entryData is every entry's data back to back in one msgpack bin32,
// sliced apart by entrySizes on receipt (no copy). The sender packs the first fourteen fields
// with msgpackr and writes the two bin32 fields itself, so byte fields are copied once, into
// the frame, instead of first into msgpackr's buffer (where each byte string also costs an
// extension lookup). A snapshot is [data, index, term, voters, learners, votersOutgoing,
// learnersNext, autoLeave] or null.
import { Packr } from 'msgpackr';
import {
  assertValidMessage,
  entryTypes,
  messageTypes,
  type ConfState,
  type Entry,
  type Message,
  type Snapshot,
} from '@keel/raft-core';
import { assert } from './assert.js';
import { TransportError } from './errors.js';

/** The version both ends must agree on in the handshake. */
export const protocolVersion = 1;

/** Frame kinds: the first byte of every frame. */
export const frameKinds = {
  HELLO: 1,
  WELCOME: 2,
  BATCH: 3,
  SNAP_HEAD: 4,
  SNAP_CHUNK: 5,
  SNAP_END: 6,
  SNAP_ACK: 7,
} as const;

/** What a connection is for, announced in HELLO. */
export const connPurposes = { STREAM: 0, SNAPSHOT: 1 } as const;

// Explicit options (STYLE.md §6): plain arrays and maps, no record extension, no shared
// structures; int64 values decode to numbers, and the gateway check rejects any that is not a
// safe integer. Binary fields decode as Buffers that share the frame's memory (no copy).
const packr = new Packr({
  useRecords: false,
  sequential: false,
  structuredClone: false,
  bundleStrings: false,
  moreTypes: false,
  mapsAsObjects: true,
  int64AsType: 'number',
  copyBuffers: false,
});

const messageTypeIndex = new Map<string, number>(messageTypes.map((t, i) => [t, i]));
const entryTypeIndex = new Map<string, number>(entryTypes.map((t, i) => [t, i]));

function decodeFailed(what: string, cause?: unknown): never {
  throw new TransportError({ code: 'DECODE_FAILED', message: `bad frame: ${what}`, cause });
}

function snapshotTuple(s: Snapshot): unknown[] {
  const c = s.metadata.confState;
  return [
    s.data,
    s.metadata.index,
    s.metadata.term,
    c.voters,
    c.learners,
    c.votersOutgoing,
    c.learnersNext,
    c.autoLeave,
  ];
}

/** A message encoded for the wire: byte parts to be written back to back, and their total. */
export interface EncodedMessage {
  readonly parts: readonly Uint8Array[];
  readonly sizeBytes: number;
}

const messageFieldCount = 16;
// msgpack array16 header for the sixteen-field message tuple.
const messageArrayHeader = Uint8Array.from([0xdc, 0x00, messageFieldCount]);
const packedFieldCount = messageFieldCount - 2;
const packedFieldsHeader = 0x90 | packedFieldCount;

/** A msgpack bin32 header for `sizeBytes` bytes. */
function bin32Header(sizeBytes: number): Buffer {
  const header = Buffer.allocUnsafe(5);
  header[0] = 0xc6;
  header.writeUInt32BE(sizeBytes, 1);
  return header;
}

/** Packs one message. Its parts may be kept: msgpackr never reuses a returned buffer. */
export function encodeMessage(m: Message): EncodedMessage {
  const count = m.entries.length;
  const terms = new Array<number>(count);
  const indexes = new Array<number>(count);
  const types = new Array<number | undefined>(count);
  const sizes = new Array<number>(count);
  const parts: Uint8Array[] = [messageArrayHeader];
  let dataBytes = 0;
  for (let i = 0; i < count; i++) {
    const e = m.entries[i] as Entry;
    terms[i] = e.term;
    indexes[i] = e.index;
    types[i] = entryTypeIndex.get(e.type);
    sizes[i] = e.data.byteLength;
    dataBytes += e.data.byteLength;
  }
  const head = packr.pack([
    messageTypeIndex.get(m.type),
    m.to,
    m.from,
    m.term,
    m.logTerm,
    m.index,
    m.commit,
    m.reject,
    m.rejectHint,
    m.snapshot === undefined ? null : snapshotTuple(m.snapshot),
    terms,
    indexes,
    types,
    sizes,
  ]);
  assert(head[0] === packedFieldsHeader, 'the packed fields form a fixarray');
  parts.push(
    head.subarray(1),
    bin32Header(m.context.byteLength),
    m.context,
    bin32Header(dataBytes),
  );
  for (const e of m.entries) parts.push(e.data);
  const sizeBytes =
    messageArrayHeader.byteLength + head.byteLength - 1 + 10 + m.context.byteLength + dataBytes;
  return { parts, sizeBytes };
}

function asTuple(v: unknown, length: number, what: string): unknown[] {
  if (!Array.isArray(v) || v.length !== length) decodeFailed(`${what} must be a ${length}-tuple`);
  return v as unknown[];
}

// Shapes only: the values themselves are checked by assertValidMessage afterwards.
function decodeEntries(columns: readonly unknown[]): Entry[] {
  const [terms, indexes, types, sizes, blob] = columns;
  if (!Array.isArray(terms) || !Array.isArray(indexes) || !Array.isArray(types)) {
    decodeFailed('entry columns must be arrays');
  }
  if (!Array.isArray(sizes) || !(blob instanceof Uint8Array))
    decodeFailed('entry data is malformed');
  const count = terms.length;
  if (indexes.length !== count || types.length !== count || sizes.length !== count) {
    decodeFailed('entry columns differ in length');
  }
  const entries = new Array<Entry>(count);
  let offset = 0;
  for (let i = 0; i < count; i++) {
    const size: unknown = sizes[i];
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
      decodeFailed('entry size must be a non-negative integer');
    }
    if (offset + size > blob.byteLength) decodeFailed('entry sizes overrun the data');
    const type: unknown = types[i];
    entries[i] = {
      term: terms[i] as number,
      index: indexes[i] as number,
      type: (typeof type === 'number' ? entryTypes[type] : undefined) as Entry['type'],
      data: blob.subarray(offset, offset + size),
    };
    offset += size;
  }
  if (offset !== blob.byteLength) decodeFailed('entry sizes do not cover the data');
  return entries;
}

function decodeSnapshot(v: unknown): Snapshot | undefined {
  if (v === null) return undefined;
  const t = asTuple(v, 8, 'snapshot');
  const confState = {
    voters: t[3],
    learners: t[4],
    votersOutgoing: t[5],
    learnersNext: t[6],
    autoLeave: t[7],
  } as ConfState;
  return { data: t[0], metadata: { index: t[1], term: t[2], confState } } as Snapshot;
}

/**
 * Turns a decoded tuple into a message and runs raft-core's gateway check on it.
 *
 * @throws TransportError `DECODE_FAILED` when the tuple is malformed or the message invalid.
 */
export function messageFromTuple(v: unknown): Message {
  const t = asTuple(v, messageFieldCount, 'message');
  const entries = decodeEntries([t[10], t[11], t[12], t[13], t[15]]);
  const snapshot = decodeSnapshot(t[9]);
  const m = {
    type: typeof t[0] === 'number' ? messageTypes[t[0]] : undefined,
    to: t[1],
    from: t[2],
    term: t[3],
    logTerm: t[4],
    index: t[5],
    commit: t[6],
    reject: t[7],
    rejectHint: t[8],
    context: t[14],
    entries,
    ...(snapshot === undefined ? {} : { snapshot }),
  };
  try {
    assertValidMessage(m);
  } catch (e) {
    decodeFailed(e instanceof Error ? e.message : 'invalid message', e);
  }
  return m;
}

/** Builds a frame of `kind` whose payload is `parts` back to back (one copy). */
export function buildFrame(kind: number, parts: readonly Uint8Array[]): Buffer {
  let sizeBytes = 1;
  for (const p of parts) sizeBytes += p.byteLength;
  const frame = Buffer.allocUnsafe(sizeBytes);
  frame[0] = kind;
  let offset = 1;
  for (const p of parts) {
    frame.set(p, offset);
    offset += p.byteLength;
  }
  return frame;
}

/** Builds a control frame (HELLO, WELCOME, SNAP_END, SNAP_ACK) whose payload is `value` packed. */
export function controlFrame(kind: number, value: readonly unknown[]): Buffer {
  return buildFrame(kind, [packr.pack(value)]);
}

/**
 * Decodes a BATCH payload into validated messages, in order.
 *
 * @throws TransportError `DECODE_FAILED` when any part fails to decode or validate.
 */
export function decodeBatch(payload: Uint8Array): Message[] {
  if (payload.byteLength === 0) decodeFailed('empty batch');
  let values: unknown[];
  try {
    values = packr.unpackMultiple(payload) as unknown[];
  } catch (e) {
    decodeFailed('batch is not msgpack', e);
  }
  return values.map(messageFromTuple);
}

/**
 * Decodes a control payload into a tuple of `length`.
 *
 * @throws TransportError `DECODE_FAILED` when it is not such a tuple.
 */
export function decodeControl(payload: Uint8Array, length: number, what: string): unknown[] {
  let value: unknown;
  try {
    value = packr.unpack(payload);
  } catch (e) {
    decodeFailed(`${what} is not msgpack`, e);
  }
  return asTuple(value, length, what);
}

/** Decodes a single packed message (SNAP_HEAD). @throws TransportError `DECODE_FAILED`. */
export function decodeMessage(payload: Uint8Array): Message {
  return messageFromTuple(decodeControl(payload, messageFieldCount, 'message'));
}
