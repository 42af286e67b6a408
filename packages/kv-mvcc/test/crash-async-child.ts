// Child process of crash-async.test.ts: applies the batches of crashBatches(seed) with
// applyAsync, several in flight at once, from the store's consistent index on (which must be a
// batch boundary), printing `c <index>` when a batch is committed and `d <index>` when a flush
// made it durable, until it is killed.
import { MvccStore } from '../src/index.js';
import { crashBatches } from './crash-batches.js';

const inflightMax = 4;
const store = MvccStore.open({ path: process.argv[2] ?? '' });
const seed = Number(process.argv[3]);
const start = store.consistentIndex;
const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
const inflight = new Set<Promise<unknown>>();
let n = 0;
for (const batch of crashBatches(seed, Number.MAX_SAFE_INTEGER)) {
  const first = batch[0]?.index ?? 0;
  if (first <= start) {
    if ((batch[batch.length - 1]?.index ?? 0) > start)
      throw new Error(`${String(start)} is not a batch boundary`);
    continue;
  }
  const last = batch[batch.length - 1]?.index ?? 0;
  const p = store.applyAsync(batch).then(() => {
    out(`c ${String(last)}`);
  });
  inflight.add(p);
  void p.finally(() => inflight.delete(p));
  n += 1;
  if (n % 10 === 0) {
    await store.flush();
    out(`d ${String(store.durableIndex)}`);
  }
  if (inflight.size >= inflightMax) await Promise.race(inflight);
}
