// A small binary codec for ConfChange, the payload of EntryConfChange entries. raft-core has no
// TextEncoder or protobuf, so the format is hand-written and versioned by its first byte:
//
//   u8 version (1) | u8 transition | varint count | count × (u8 type, varint nodeId)
//   | varint contextLength | context bytes
//
// Varints are unsigned LEB128 over safe integers (at most 8 bytes of 7 bits = 56 bits).
import { assert } from './assert.js';
import { RaftError } from './errors.js';
import type { ConfChange, ConfChangeSingle } from './types.js';

const codecVersion = 1;
const transitions = ['auto', 'implicit', 'explicit'] as const;
const changeTypes = ['AddNode', 'RemoveNode', 'AddLearnerNode'] as const;
/** More changes than this in one ConfChange is a malformed payload. */
const changesCountMax = 1 << 16;

function varintSizeBytes(v: number): number {
  let n = 1;
  let x = v;
  while (x >= 0x80) {
    x = Math.floor(x / 0x80);
    n++;
  }
  return n;
}

function writeVarint(buf: Uint8Array, pos: number, v: number): number {
  let x = v;
  let p = pos;
  while (x >= 0x80) {
    buf[p++] = (x % 0x80) | 0x80;
    x = Math.floor(x / 0x80);
  }
  buf[p++] = x;
  return p;
}

/**
 * Encodes a conf change as the data of an `EntryConfChange` entry.
 * Asserts that node ids are positive safe integers.
 */
export function encodeConfChange(cc: ConfChange): Uint8Array {
  let size = 2 + varintSizeBytes(cc.changes.length);
  for (const c of cc.changes) {
    assert(Number.isSafeInteger(c.nodeId) && c.nodeId > 0, 'conf change nodeId must be > 0');
    size += 1 + varintSizeBytes(c.nodeId);
  }
  size += varintSizeBytes(cc.context.byteLength) + cc.context.byteLength;
  const buf = new Uint8Array(size);
  buf[0] = codecVersion;
  buf[1] = transitions.indexOf(cc.transition);
  let p = writeVarint(buf, 2, cc.changes.length);
  for (const c of cc.changes) {
    buf[p++] = changeTypes.indexOf(c.type);
    p = writeVarint(buf, p, c.nodeId);
  }
  p = writeVarint(buf, p, cc.context.byteLength);
  buf.set(cc.context, p);
  assert(p + cc.context.byteLength === size, 'conf change encoding size mismatch');
  return buf;
}

class Reader {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}
  byte(): number {
    const b = this.buf[this.pos++];
    if (b === undefined) fail('truncated');
    return b;
  }
  varint(): number {
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.byte();
      v += (b & 0x7f) * mul;
      if (b < 0x80) {
        if (!Number.isSafeInteger(v)) fail('varint beyond a safe integer');
        return v;
      }
      mul *= 0x80;
    }
    return fail('varint too long');
  }
}

function fail(what: string): never {
  throw new RaftError({ code: 'INVALID_MESSAGE', message: `invalid conf change: ${what}` });
}

/**
 * Decodes the data of an `EntryConfChange` entry.
 * @throws RaftError `INVALID_MESSAGE` when the bytes are not a conf change of this codec.
 */
export function decodeConfChange(bytes: Uint8Array): ConfChange {
  const r = new Reader(bytes);
  if (r.byte() !== codecVersion) fail('unknown version');
  const transition = transitions[r.byte()];
  if (transition === undefined) fail('unknown transition');
  const count = r.varint();
  if (count > changesCountMax) fail('too many changes');
  const changes: ConfChangeSingle[] = [];
  for (let i = 0; i < count; i++) {
    const type = changeTypes[r.byte()];
    if (type === undefined) fail('unknown change type');
    const nodeId = r.varint();
    if (nodeId === 0) fail('nodeId 0');
    changes.push({ type, nodeId });
  }
  const contextLength = r.varint();
  if (r.pos + contextLength !== bytes.byteLength) fail('length mismatch');
  const context = bytes.slice(r.pos, r.pos + contextLength);
  return { transition, changes, context };
}
