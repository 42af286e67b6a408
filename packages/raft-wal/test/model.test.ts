// Goal: RaftLog gives the same observable answers as raft-core's MemoryStorage (the reference
// Storage) through any sequence of appends (with overwrites), HardState changes, snapshots
// applied and created, compactions, concurrent batches (group commit) and reopening.
// Method: fast-check model-based testing (fc.commands + fc.asyncModelRun) on real LMDB; after
// every command the whole readable state of both is compared. unsafeNoSync only makes the run
// faster: reopening within the process sees every write either way.
import { AssertionError, isStorageError } from '@keel/raft-core';
import type { ConfState, Entry } from '@keel/raft-core';
import { MemoryStorage } from '@keel/raft-core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RaftLog } from '../src/index.js';
import { entry, tempDir } from './helpers.js';

interface Real {
  log: RaftLog;
  readonly dir: string;
}
interface Model {
  readonly mem: MemoryStorage;
}

/** One write, with its parameters relative to the state it is applied to. */
type Write =
  | {
      readonly kind: 'append';
      readonly back: number;
      readonly count: number;
      readonly termBump: number;
      readonly dataBytes: number;
    }
  | {
      readonly kind: 'hardState';
      readonly term: number;
      readonly vote: number;
      readonly commit: number;
    }
  | {
      readonly kind: 'applySnapshot';
      readonly ahead: number;
      readonly term: number;
      readonly voters: readonly number[];
    }
  | { readonly kind: 'createSnapshot'; readonly back: number; readonly withConf: boolean }
  | { readonly kind: 'compact'; readonly back: number };

const writeArb: fc.Arbitrary<Write> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('append' as const),
      back: fc.nat({ max: 6 }),
      count: fc.integer({ min: 0, max: 6 }),
      termBump: fc.nat({ max: 2 }),
      dataBytes: fc.nat({ max: 40 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('hardState' as const),
      term: fc.nat({ max: 9 }),
      vote: fc.nat({ max: 3 }),
      commit: fc.nat({ max: 30 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('applySnapshot' as const),
      ahead: fc.integer({ min: -3, max: 6 }),
      term: fc.integer({ min: 1, max: 9 }),
      voters: fc.uniqueArray(fc.integer({ min: 1, max: 5 }), { maxLength: 3 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('createSnapshot' as const),
      back: fc.nat({ max: 6 }),
      withConf: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('compact' as const), back: fc.nat({ max: 8 }) }),
  },
);

const conf = (voters: readonly number[]): ConfState => ({
  voters: [...voters].sort((a, b) => a - b),
  learners: [],
  votersOutgoing: [],
  learnersNext: [],
  autoLeave: false,
});

/** What a call did: its result, or the code/class of what it threw. */
function outcome(f: () => unknown): unknown {
  try {
    return { ok: f() ?? null };
  } catch (e) {
    return describeError(e);
  }
}
function describeError(e: unknown): unknown {
  if (isStorageError(e)) return { storageError: e.code };
  if (e instanceof AssertionError) return { assertion: true };
  throw e;
}

/** Applies `w` to the model, and returns the matching real call (not yet awaited). */
function resolve(
  w: Write,
  mem: MemoryStorage,
): { model: () => unknown; real: (log: RaftLog) => Promise<unknown> } {
  const last = mem.lastIndex();
  switch (w.kind) {
    case 'append': {
      const lo = Math.max(1, last + 1 - w.back);
      const prevTerm =
        lo - 1 >= mem.firstIndex() - 1 ? mem.term(lo - 1) : mem.snapshot().metadata.term;
      const ents: Entry[] = [];
      for (let i = 0; i < w.count; i++)
        ents.push(entry(lo + i, Math.max(1, prevTerm) + w.termBump, w.dataBytes));
      return {
        model: () => {
          mem.append(ents);
        },
        real: (log) => log.save({ entries: ents }),
      };
    }
    case 'hardState': {
      const hs = { term: w.term, vote: w.vote, commit: w.commit };
      return {
        model: () => {
          mem.setHardState(hs);
        },
        real: (log) => log.save({ hardState: hs }),
      };
    }
    case 'applySnapshot': {
      const snap = {
        data: new Uint8Array([w.term]),
        metadata: { index: Math.max(0, last + w.ahead), term: w.term, confState: conf(w.voters) },
      };
      return {
        model: () => {
          mem.applySnapshot(snap);
        },
        real: (log) => log.save({ snapshot: snap }),
      };
    }
    case 'createSnapshot': {
      const index = Math.max(0, last - w.back);
      const cs = w.withConf ? conf([1, 2]) : undefined;
      const data = new Uint8Array([index & 0xff]);
      return {
        model: () => mem.createSnapshot(index, cs, data),
        real: (log) => log.createSnapshot({ index, data, ...(cs ? { confState: cs } : {}) }),
      };
    }
    case 'compact': {
      const index = Math.max(0, last - w.back);
      return {
        model: () => {
          mem.compact(index);
        },
        real: (log) => log.compactLog(index),
      };
    }
  }
}

async function realOutcome(p: Promise<unknown>): Promise<unknown> {
  try {
    return { ok: (await p) ?? null };
  } catch (e) {
    return describeError(e);
  }
}

function checkSame(mem: MemoryStorage, log: RaftLog, maxSizeBytes: number): void {
  expect(log.firstIndex()).toBe(mem.firstIndex());
  expect(log.lastIndex()).toBe(mem.lastIndex());
  expect(log.initialState()).toEqual(mem.initialState());
  expect(log.snapshot()).toEqual(mem.snapshot());
  const [first, last] = [mem.firstIndex(), mem.lastIndex()];
  for (let i = first - 2; i <= last + 1; i++) {
    if (i < 0) continue;
    expect(
      outcome(() => log.term(i)),
      `term(${String(i)})`,
    ).toEqual(outcome(() => mem.term(i)));
  }
  for (const [lo, hi] of [
    [first, last + 1],
    [first - 1, last + 1],
    [first, last + 2],
    [last, last + 1],
  ] as const) {
    if (lo < 0 || lo > hi) continue;
    expect(
      outcome(() => log.entries(lo, hi, maxSizeBytes)),
      `entries(${String(lo)}, ${String(hi)})`,
    ).toEqual(outcome(() => mem.entries(lo, hi, maxSizeBytes)));
  }
}

class WriteCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly writes: readonly Write[],
    readonly maxSizeBytes: number,
  ) {}
  check(): boolean {
    return true;
  }
  async run(m: Model, r: Real): Promise<void> {
    // Every write of the command is queued before any is awaited, so they share one batch.
    const pairs: { want: unknown; got: Promise<unknown> }[] = [];
    for (const w of this.writes) {
      const { model, real } = resolve(w, m.mem);
      const want = outcome(model);
      pairs.push({ want, got: realOutcome(real(r.log)) });
    }
    for (const { want, got } of pairs) {
      const g = (await got) as { ok?: unknown };
      const wnt = want as { ok?: unknown };
      // Results are compared for their error code; a createSnapshot result also by value.
      expect('ok' in g ? { ok: g.ok ?? null } : g).toEqual(
        'ok' in wnt ? { ok: wnt.ok ?? null } : wnt,
      );
    }
    checkSame(m.mem, r.log, this.maxSizeBytes);
  }
  toString(): string {
    return `write(${JSON.stringify(this.writes)}, max=${String(this.maxSizeBytes)})`;
  }
}

class ReopenCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly cacheBytesMax: number) {}
  check(): boolean {
    return true;
  }
  async run(m: Model, r: Real): Promise<void> {
    // The stored-bytes count kept across writes must match the one recomputed from disk.
    const sizeBytes = r.log.sizeBytes();
    await r.log.close();
    r.log = RaftLog.open({ dir: r.dir, cacheBytesMax: this.cacheBytesMax, unsafeNoSync: true });
    checkSame(m.mem, r.log, Infinity);
    expect(r.log.sizeBytes()).toBe(sizeBytes);
  }
  toString(): string {
    return `reopen(cache=${String(this.cacheBytesMax)})`;
  }
}

const commandArbs = [
  fc
    .tuple(
      fc.array(writeArb, { minLength: 1, maxLength: 4 }),
      fc.oneof(fc.constant(Infinity), fc.nat({ max: 200 })),
    )
    .map(([ws, max]) => new WriteCommand(ws, max)),
  fc.oneof(fc.constant(0), fc.constant(200), fc.constant(1 << 20)).map((c) => new ReopenCommand(c)),
];

async function runModel(
  cmds: Iterable<fc.AsyncCommand<Model, Real>>,
  cacheBytesMax: number,
): Promise<void> {
  const dir = tempDir();
  const real: Real = {
    log: RaftLog.open({ dir: dir.path, cacheBytesMax, unsafeNoSync: true }),
    dir: dir.path,
  };
  try {
    await fc.asyncModelRun(() => ({ model: { mem: new MemoryStorage() }, real }), cmds);
  } finally {
    await real.log.close();
    dir.remove();
  }
}

describe('RaftLog against MemoryStorage', () => {
  it('answers the same through any sequence of writes and reopens', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.commands(commandArbs, { maxCommands: 40 }),
        fc.constantFrom(0, 300, 1 << 20),
        runModel,
      ),
      { numRuns: Number(process.env['MODEL_RUNS'] ?? '60') },
    );
  }, 60_000);
});
