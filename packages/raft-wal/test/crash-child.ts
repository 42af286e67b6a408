// The writer half of the crash test (crash.test.ts): appends, overwrites and compacts the log in
// a loop, with several saves in flight at once so group commit is exercised, and prints one
// line per acknowledged write. The parent SIGKILLs it at random moments.
//
// Protocol (stdout, one line each):
//   issue <hi> <term>             a save of entries up to hi - 1 at term is about to be queued
//   ack <lo> <hi> <term> <commit> entries [lo, hi) at term and HardState.commit are durable
//   compacted <index>             the log is durably compacted up to index
//
// Usage: node --conditions=@keel/source --import tsx test/crash-child.ts <dir> <seed>
import { createPrng } from '@keel/raft-core/testing';
import type { Entry } from '@keel/raft-core';
import { RaftLog } from '../src/index.js';
import { crashEntryData } from './crash-data.js';

const [dir, seedText] = process.argv.slice(2);
if (dir === undefined || seedText === undefined) throw new Error('usage: crash-child <dir> <seed>');
const prng = createPrng(Number(seedText));
const log = RaftLog.open({ dir });
let next = log.lastIndex() + 1;
let start = log.firstIndex() - 1;
let term = Math.max(1, log.term(log.lastIndex()));
const inflightMax = 4;
const opsMax = 1_000_000; // the parent kills the child long before this
const inflight = new Set<Promise<void>>();

function makeEntries(lo: number, hi: number, t: number): Entry[] {
  const out: Entry[] = [];
  for (let i = lo; i < hi; i++)
    out.push({ index: i, term: t, type: 'EntryNormal', data: crashEntryData(i, t) });
  return out;
}

function write(line: string): void {
  process.stdout.write(`${line}\n`);
}

function issue(): Promise<void> {
  const r = prng.nextFloat();
  if (r < 0.05 && next - 1 - 100 > start) {
    const index = next - 1 - 100;
    start = index;
    return log.compactLog(index).then(() => {
      write(`compacted ${String(index)}`);
    });
  }
  let lo = next;
  if (r < 0.2 && next - 1 > start + 1) {
    // Overwrite the last k entries at a new term, ending at or past the old end, so the last
    // index never goes back (which lets the parent check every acknowledged index).
    const k = 1 + prng.nextInt(Math.min(8, next - 1 - start - 1));
    lo = next - k;
    term++;
  }
  const hi = Math.max(next, lo + 1 + prng.nextInt(64));
  next = hi;
  const [t, commit] = [term, hi - 1];
  write(`issue ${String(hi)} ${String(t)}`);
  return log
    .save({ entries: makeEntries(lo, hi, t), hardState: { term: t, vote: 1, commit } })
    .then(() => {
      write(`ack ${String(lo)} ${String(hi)} ${String(t)} ${String(commit)}`);
    });
}

for (let op = 0; op < opsMax; op++) {
  while (inflight.size < inflightMax) {
    const p: Promise<void> = issue().finally(() => inflight.delete(p));
    inflight.add(p);
  }
  await Promise.race(inflight);
}
await log.close();
