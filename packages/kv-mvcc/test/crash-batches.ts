// The batches of the asynchronous crash test, the same in the child that applies them and in the
// test that replays them: batch k's size and requests follow from (seed, k) alone, so both sides
// agree on every batch boundary and on the state at each.
import type { ApplyEntry, ApplyRequest } from '../src/types.js';

/** Batch sizes are 1..batchCountMax entries. */
const batchCountMax = 40;
/** Keys cycle through this many names, so puts overwrite and deletes find something. */
const keySpace = 97;

/** A small deterministic generator (mulberry32) for the batch plan. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function requestAt(index: number, r: number): ApplyRequest {
  const key = Buffer.from(`k${String(index % keySpace)}`);
  if (r < 0.1) return { deleteRange: { key } };
  return { put: { key, value: Buffer.from(`v${String(index)}`) } };
}

/** The batches in order, starting at index 1, until `maxIndex`. */
export function* crashBatches(seed: number, maxIndex: number): Generator<ApplyEntry[]> {
  const next = prng(seed);
  let index = 0;
  // Bounded by maxIndex: every batch has at least one entry.
  while (index < maxIndex) {
    const count = 1 + Math.floor(next() * batchCountMax);
    const batch: ApplyEntry[] = [];
    for (let j = 0; j < count; j++) {
      index += 1;
      batch.push({ index, request: requestAt(index, next()) });
    }
    yield batch;
  }
}
