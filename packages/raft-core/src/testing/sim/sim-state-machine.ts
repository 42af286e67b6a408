// The application each simulated node runs: its state is the sequence of entries it applied. It
// keeps that sequence as a running digest (FNV-1a over every applied entry's index, term, type and
// bytes) instead of the entries themselves, so comparing two nodes' whole applied sequences, and
// encoding one into a snapshot, costs O(1) whatever the log length.
import { assert } from '../../assert.js';
import type { Entry } from '../../types.js';

const fnvOffset = 0x811c9dc5;
const fnvPrime = 0x01000193;

function mixByte(h: number, byte: number): number {
  return Math.imul(h ^ byte, fnvPrime) >>> 0;
}

function mixUint32(h: number, v: number): number {
  let x = mixByte(h, v & 0xff);
  x = mixByte(x, (v >>> 8) & 0xff);
  x = mixByte(x, (v >>> 16) & 0xff);
  return mixByte(x, (v >>> 24) & 0xff);
}

/** The digest after applying `e` to a state machine whose digest was `digest`. */
export function digestEntry(digest: number, e: Entry): number {
  let h = mixUint32(digest, e.index >>> 0);
  h = mixUint32(h, e.term >>> 0);
  h = mixByte(h, e.type === 'EntryNormal' ? 0 : 1);
  for (let i = 0; i < e.data.byteLength; i++) h = mixByte(h, e.data[i] ?? 0);
  return h;
}

/** The bytes of a snapshot of a `SimStateMachine`: index, digest and entry count. */
const snapshotBytes = 16;

/** A node's applied sequence: the last index applied and the digest of everything up to it. */
export class SimStateMachine {
  /** Invariant: every index in (snapshot start, index] was applied, in order. */
  index: number;
  digest: number;
  /** Entries with a non-empty payload applied so far (the client writes). */
  writeCount: number;

  constructor(state: { index: number; digest: number; writeCount: number }) {
    this.index = state.index;
    this.digest = state.digest;
    this.writeCount = state.writeCount;
  }

  /** An empty state machine: nothing applied, as a node starts before any snapshot. */
  static empty(): SimStateMachine {
    return new SimStateMachine({ index: 0, digest: fnvOffset, writeCount: 0 });
  }

  /** Applies `e`, which must be the next index. */
  apply(e: Entry): void {
    assert(e.index === this.index + 1, `apply ${String(e.index)} after ${String(this.index)}`);
    this.index = e.index;
    this.digest = digestEntry(this.digest, e);
    if (e.type === 'EntryNormal' && e.data.byteLength > 0) this.writeCount++;
  }

  /** The snapshot data of this state. */
  encode(): Uint8Array {
    const bytes = new Uint8Array(snapshotBytes);
    const view = new DataView(bytes.buffer);
    view.setFloat64(0, this.index, true);
    view.setUint32(8, this.digest, true);
    view.setUint32(12, this.writeCount, true);
    return bytes;
  }

  /** The state a snapshot's data holds; empty data is the empty state at `index` 0. */
  static decode(data: Uint8Array): SimStateMachine {
    if (data.byteLength === 0) return SimStateMachine.empty();
    assert(data.byteLength === snapshotBytes, 'sim snapshot data has the wrong size');
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    return new SimStateMachine({
      index: view.getFloat64(0, true),
      digest: view.getUint32(8, true),
      writeCount: view.getUint32(12, true),
    });
  }
}
