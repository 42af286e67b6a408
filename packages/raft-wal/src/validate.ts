// Gateway checks of what callers hand to the log (STYLE.md §8): every exported write checks its
// arguments here once, and the rest of the package trusts them.
import { entryTypes } from '@keel/raft-core';
import type { ConfState, Entry, HardState, Snapshot } from '@keel/raft-core';
import { assert, AssertionError } from './assert.js';
import { entryDataBytesMax, snapshotDataBytesMax } from './limits.js';

// Entry types are checked at this gateway because entries may come from untyped callers.
const knownTypes: ReadonlySet<string> = new Set(entryTypes);

function isUint(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

/** Asserts that `entries` are well-formed and contiguous. */
export function assertValidEntries(entries: readonly Entry[]): void {
  let prev = -1;
  for (const e of entries) {
    // One cheap combined check per entry; the messages are only built for a failing entry.
    const ok =
      isUint(e.index) &&
      e.index >= 1 &&
      isUint(e.term) &&
      e.term >= 1 &&
      knownTypes.has(e.type) &&
      e.data instanceof Uint8Array &&
      e.data.byteLength <= entryDataBytesMax &&
      (prev < 0 || e.index === prev + 1);
    if (!ok) explainInvalidEntry(e, prev);
    prev = e.index;
  }
}

function explainInvalidEntry(e: Entry, prev: number): never {
  assert(isUint(e.index) && e.index >= 1, `entry index ${String(e.index)} is not >= 1`);
  assert(isUint(e.term) && e.term >= 1, `entry ${String(e.index)} term is not >= 1`);
  assert(entryTypes.includes(e.type), `entry ${String(e.index)} has an unknown type`);
  assert(e.data instanceof Uint8Array, `entry ${String(e.index)} data is not bytes`);
  assert(e.data.byteLength <= entryDataBytesMax, `entry ${String(e.index)} data is too large`);
  assert(prev < 0, `entries not contiguous at ${String(e.index)}`);
  throw new AssertionError(`entry ${String(e.index)} is invalid`);
}

/** Asserts that `hs` holds safe unsigned integers. */
export function assertValidHardState(hs: HardState): void {
  assert(isUint(hs.term), 'hardState.term is not a safe uint');
  assert(isUint(hs.vote), 'hardState.vote is not a safe uint');
  assert(isUint(hs.commit), 'hardState.commit is not a safe uint');
}

/** Asserts that `cs` lists safe unsigned ids. */
export function assertValidConfState(cs: ConfState): void {
  for (const list of [cs.voters, cs.learners, cs.votersOutgoing, cs.learnersNext]) {
    assert(Array.isArray(list) && list.every(isUint), 'confState lists must hold safe uint ids');
  }
  assert(typeof cs.autoLeave === 'boolean', 'confState.autoLeave is not boolean');
}

/** Asserts that `snap` has valid metadata and data within `snapshotDataBytesMax`. */
export function assertValidSnapshot(snap: Snapshot): void {
  assert(isUint(snap.metadata.index), 'snapshot index is not a safe uint');
  assert(isUint(snap.metadata.term), 'snapshot term is not a safe uint');
  assert(snap.data instanceof Uint8Array, 'snapshot data is not bytes');
  assert(snap.data.byteLength <= snapshotDataBytesMax, 'snapshot data is too large');
  assertValidConfState(snap.metadata.confState);
}

/** Asserts that `index` is a safe unsigned integer. */
export function assertValidIndex(index: number, what: string): void {
  assert(isUint(index), `${what} ${String(index)} is not a safe uint`);
}
