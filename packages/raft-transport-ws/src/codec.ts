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
import { readMessageTuple } from './tuple-reader.js';
import { TupleWriter, arrayHeaderBytes, binHeaderBytes, numberBytes } from './tuple-writer.js';

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
const normalEntryIndex = entryTypes.indexOf('EntryNormal');

/** An entry type's wire number (undefined for an unknown type); the common one without a lookup. */
function entryTypeCode(type: string): number | undefined {
  return type === 'EntryNormal' ? normalEntryIndex : entryTypeIndex.get(type);
}

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
const nilBytes = 1;

/** Bytes of the fixed fields (type ... rejectHint) and the entry columns of `m`. */
function headBytes(m: Message, snapshot: Uint8Array | undefined): number {
  let sizeBytes =
    messageArrayHeader.byteLength +
    numberBytes(messageTypeIndex.get(m.type) ?? 0) +
    numberBytes(m.to) +
    numberBytes(m.from) +
    numberBytes(m.term) +
    numberBytes(m.logTerm) +
    numberBytes(m.index) +
    numberBytes(m.commit) +
    1 +
    numberBytes(m.rejectHint) +
    (snapshot === undefined ? nilBytes : snapshot.byteLength) +
    4 * arrayHeaderBytes(m.entries.length) +
    binHeaderBytes;
  for (const e of m.entries) {
    const type = entryTypeCode(e.type);
    sizeBytes += numberBytes(e.term) + numberBytes(e.index) + numberBytes(e.data.byteLength);
    sizeBytes += type === undefined ? nilBytes : numberBytes(type);
  }
  return sizeBytes;
}

/** Writes the entry columns: terms, indexes, types, sizes. */
function writeColumns(w: TupleWriter, entries: readonly Entry[]): void {
  w.arrayHeader(entries.length);
  for (const e of entries) w.number(e.term);
  w.arrayHeader(entries.length);
  for (const e of entries) w.number(e.index);
  w.arrayHeader(entries.length);
  for (const e of entries) w.maybeNumber(entryTypeCode(e.type));
  w.arrayHeader(entries.length);
  for (const e of entries) w.number(e.data.byteLength);
}

/**
 * Packs one message. Its parts may be kept: each call writes fresh buffers. The fixed fields
 * and entry columns are written by hand into one buffer; the context and the entries' data
 * follow as parts of their own, so their bytes are copied once, into the frame.
 */
export function encodeMessage(m: Message): EncodedMessage {
  const snapshot = m.snapshot === undefined ? undefined : packr.pack(snapshotTuple(m.snapshot));
  const contextBytes = m.context.byteLength;
  const head = Buffer.allocUnsafe(
    headBytes(m, snapshot) + (contextBytes === 0 ? binHeaderBytes : 0),
  );
  const w = new TupleWriter(head);
  w.bytes(messageArrayHeader);
  w.maybeNumber(messageTypeIndex.get(m.type));
  w.number(m.to);
  w.number(m.from);
  w.number(m.term);
  w.number(m.logTerm);
  w.number(m.index);
  w.number(m.commit);
  w.boolean(m.reject);
  w.number(m.rejectHint);
  if (snapshot === undefined) w.maybeNumber(undefined);
  else w.bytes(snapshot);
  writeColumns(w, m.entries);
  w.binHeader(contextBytes);
  let dataBytes = 0;
  for (const e of m.entries) dataBytes += e.data.byteLength;
  const parts: Uint8Array[] = [head];
  if (contextBytes === 0) {
    w.binHeader(dataBytes);
  } else {
    const dataHeader = new TupleWriter(Buffer.allocUnsafe(binHeaderBytes));
    dataHeader.binHeader(dataBytes);
    parts.push(m.context, dataHeader.buf);
  }
  assert(w.offset === head.byteLength, 'the head is as long as computed');
  for (const e of m.entries) parts.push(e.data);
  return {
    parts,
    sizeBytes:
      head.byteLength + contextBytes + (contextBytes === 0 ? 0 : binHeaderBytes) + dataBytes,
  };
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
export function decodeBatch(bytes: Uint8Array): Message[] {
  if (bytes.byteLength === 0) decodeFailed('empty batch');
  const payload = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const messages: Message[] = [];
  let offset = 0;
  while (offset < payload.byteLength) {
    const read = readMessageTuple(payload, offset);
    if (read === undefined) {
      for (const v of unpackRest(payload.subarray(offset))) messages.push(messageFromTuple(v));
      break;
    }
    messages.push(messageFromTuple(read.tuple));
    offset = read.end;
  }
  return messages;
}

/** The general msgpack reader, for what the tuple reader does not know. */
function unpackRest(payload: Uint8Array): unknown[] {
  try {
    return packr.unpackMultiple(payload) as unknown[];
  } catch (e) {
    decodeFailed('batch is not msgpack', e);
  }
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
