// A key's history of revisions, grouped in generations, as etcd's keyIndex. One record per user
// key lives in the LMDB index table, so the index needs no rebuild on reopen and no heap.
//
// A generation runs from the put that created the key to the delete that ended it; the delete
// (tombstone) is the last revision of its generation, and a new empty generation follows it.
// Worked example, key "foo":
//   put@1.0 put@2.0 delete@3.0 put@4.0 put@5.0 delete@6.0
//   generations: {created 1.0, ver 3, revs [1.0 2.0 3.0(t)]}
//                {created 4.0, ver 3, revs [4.0 5.0 6.0(t)]}
//                {empty}
// compact(2): the newest revision <= 2 of the first generation is kept, older ones removed:
//                {created 1.0, ver 3, revs [2.0 3.0(t)]} {4.0 ...} {empty}
// compact(4): 3.0 is a tombstone <= 4, so the first generation goes entirely; 4.0 is kept:
//                {created 4.0, ver 3, revs [4.0 5.0 6.0(t)]} {empty}
// compact(6): 6.0 is the newest revision <= 6 and a tombstone: everything goes, the record is
//             deleted.
import { assert } from './assert.js';
import { ByteReader, varintBytes, writeVarint } from './varint.js';

/** A revision (main, sub): main counts atomic changes, sub the changes inside one. */
export interface Revision {
  readonly main: number;
  readonly sub: number;
}

/** One generation; `revs` holds (main, sub) pairs flattened, oldest first. */
export interface Generation {
  /** Puts and the tombstone ever added to the generation (survives compaction of `revs`). */
  ver: number;
  created: Revision;
  revs: number[];
}

/** A key's index record: its generations (the last one open) and its current lease. */
export interface KeyIndex {
  generations: Generation[];
  /** Lease of the key's live value, 0 when none or when the key is deleted. */
  lease: number;
}

/** What a key was at a revision: the revision of its visible change, its creation, version. */
export interface KeyAt {
  readonly mod: Revision;
  readonly created: Revision;
  readonly version: number;
}

/**
 * Encodes an index record as varints: [lease][generation count], then per generation [ver]
 * [created main][created sub][revision count] and per revision [main - previous main][sub], the
 * first main relative to the created one (revisions in a generation never precede its creation).
 * A key put once is about 10 bytes.
 */
export function encodeKeyIndex(ki: KeyIndex): Buffer {
  let size = varintBytes(ki.lease) + varintBytes(ki.generations.length);
  for (const g of ki.generations) {
    size += varintBytes(g.ver) + varintBytes(g.created.main) + varintBytes(g.created.sub);
    size += varintBytes(g.revs.length / 2);
    let prev = g.created.main;
    for (let i = 0; i < g.revs.length; i += 2) {
      const main = g.revs[i] ?? 0;
      size += varintBytes(main - prev) + varintBytes(g.revs[i + 1] ?? 0);
      prev = main;
    }
  }
  const b = Buffer.allocUnsafe(size);
  let pos = writeVarint(b, 0, ki.lease);
  pos = writeVarint(b, pos, ki.generations.length);
  for (const g of ki.generations) {
    pos = writeVarint(b, pos, g.ver);
    pos = writeVarint(b, pos, g.created.main);
    pos = writeVarint(b, pos, g.created.sub);
    pos = writeVarint(b, pos, g.revs.length / 2);
    let prev = g.created.main;
    for (let i = 0; i < g.revs.length; i += 2) {
      const main = g.revs[i] ?? 0;
      pos = writeVarint(b, pos, main - prev); // asserts revisions do not precede the creation
      pos = writeVarint(b, pos, g.revs[i + 1] ?? 0);
      prev = main;
    }
  }
  assert(pos === size, 'key index record fills its buffer');
  return b;
}

function decodeGeneration(rd: ByteReader): Generation {
  const ver = rd.varint();
  const created = { main: rd.varint(), sub: rd.varint() };
  const count = rd.varint();
  const revs: number[] = [];
  let main = created.main;
  for (let i = 0; i < count; i++) {
    const delta = rd.varint();
    // Pair assertion of STYLE.md §8, read side: revisions increase within a generation.
    assert(i === 0 || delta > 0, 'stored revisions increase');
    main += delta;
    revs.push(main, rd.varint());
  }
  return { ver, created, revs };
}

/** Decodes an index record read from storage and checks its shape (the gateway check). */
export function decodeKeyIndex(b: Uint8Array): KeyIndex {
  const rd = new ByteReader(b);
  const lease = rd.varint();
  const count = rd.varint();
  assert(count > 0, 'a key index has a generation');
  const generations: Generation[] = [];
  for (let i = 0; i < count; i++) generations.push(decodeGeneration(rd));
  assert(rd.done, 'a key index record has no trailing bytes');
  return { lease, generations };
}

function lastGen(ki: KeyIndex): Generation {
  const g = ki.generations[ki.generations.length - 1];
  assert(g !== undefined, 'a key index has a generation');
  return g;
}

/** True when the key is live at the newest revision (its open generation is not empty). */
export function isLive(ki: KeyIndex | undefined): boolean {
  return ki !== undefined && lastGen(ki).revs.length > 0;
}

/** Records a put at `rev`; creates the index when `ki` is undefined. Returns the KeyAt of it. */
export function indexPut(ki: KeyIndex | undefined, rev: Revision, lease: number): KeyIndex {
  const idx = ki ?? { generations: [{ ver: 0, created: rev, revs: [] }], lease: 0 };
  const g = lastGen(idx);
  const n = g.revs.length;
  if (n > 0) {
    // Pair assertion of STYLE.md §8: revisions only increase.
    const lastMain = g.revs[n - 2] ?? 0;
    assert(lastMain < rev.main, 'a key gets one change per revision, increasing');
  } else {
    g.created = rev;
  }
  g.revs.push(rev.main, rev.sub);
  g.ver += 1;
  idx.lease = lease;
  return idx;
}

/** Records a delete (tombstone) at `rev`, ending the open generation. The key must be live. */
export function indexTombstone(ki: KeyIndex, rev: Revision): void {
  assert(isLive(ki), 'only a live key can be deleted');
  indexPut(ki, rev, 0);
  ki.generations.push({ ver: 0, created: { main: 0, sub: 0 }, revs: [] });
}

/** The key as it was at main revision `at`, or undefined when it did not exist (or was deleted). */
export function keyAt(ki: KeyIndex, at: number): KeyAt | undefined {
  const gens = ki.generations;
  for (let gi = gens.length - 1; gi >= 0; gi--) {
    const g = gens[gi];
    assert(g !== undefined, 'generation index in bounds');
    const n = g.revs.length;
    if (n === 0) continue;
    if (gi < gens.length - 1 && (g.revs[n - 2] ?? 0) <= at) return undefined; // deleted by then
    if ((g.revs[0] ?? 0) > at) continue; // this generation's kept history starts later
    for (let i = n - 2; i >= 0; i -= 2) {
      const main = g.revs[i] ?? 0;
      if (main <= at) {
        const version = g.ver - (n - 2 - i) / 2;
        return { mod: { main, sub: g.revs[i + 1] ?? 0 }, created: g.created, version };
      }
    }
  }
  return undefined;
}

/**
 * Compacts the index at main revision `at` (etcd's keyIndex.compact): per generation, keeps the
 * newest revision <= `at` unless it is a tombstone, and removes older ones and fully deleted
 * generations. Returns undefined when nothing is left (the record is to be deleted). Idempotent.
 */
export function compactKeyIndex(ki: KeyIndex, at: number): KeyIndex | undefined {
  const gens = ki.generations;
  let gi = 0;
  // Skip generations whose tombstone is at or before `at`: they are gone entirely.
  while (gi < gens.length - 1) {
    const g = gens[gi];
    assert(g !== undefined && g.revs.length >= 2, 'closed generation has a tombstone');
    if ((g.revs[g.revs.length - 2] ?? 0) > at) break;
    gi++;
  }
  const g = gens[gi];
  assert(g !== undefined, 'generation index in bounds');
  let keepFrom = -1;
  for (let i = g.revs.length - 2; i >= 0; i -= 2) {
    if ((g.revs[i] ?? 0) <= at) {
      keepFrom = i;
      break;
    }
  }
  const revs = keepFrom > 0 ? g.revs.slice(keepFrom) : g.revs;
  const kept: Generation = { ver: g.ver, created: g.created, revs };
  const rest = gens.slice(gi + 1);
  if (rest.length === 0 && revs.length === 0) return undefined;
  return { lease: ki.lease, generations: [kept, ...rest] };
}

/** True when (main, sub) is among the index's revisions. */
export function hasRevision(ki: KeyIndex, rev: Revision): boolean {
  for (const g of ki.generations) {
    for (let i = 0; i < g.revs.length; i += 2) {
      if (g.revs[i] === rev.main && g.revs[i + 1] === rev.sub) return true;
    }
  }
  return false;
}
