// Child process of defrag-crash.test.ts: on the store in argv[2] (fsync on), forever: applies a
// durable batch of the next 100 entries (entry i compacts to the batch's starting revision when
// i % 101 is 0, else puts key `k<i % 300>` = `i`), prints `W <index>`, removes compacted
// revisions, prints `D` and defragments, printing `F` when done; until killed.
import { MvccStore } from '../src/index.js';
import type { ApplyRequest } from '../src/index.js';

const store = MvccStore.open({ path: process.argv[2] ?? '' });
let index = store.consistentIndex;
const pad = 'v'.repeat(2000);
// Runs until the parent kills it.
for (;;) {
  const revision = store.revision;
  const entries = Array.from({ length: 100 }, (_, j) => {
    const i = index + j + 1;
    const key = Buffer.from(`k${String(i % 300)}`);
    const request: ApplyRequest =
      i % 101 === 0
        ? { compaction: { revision } }
        : { put: { key, value: Buffer.from(`${String(i)}:${pad}`) } };
    return { index: i, request };
  });
  store.apply(entries);
  index += entries.length;
  process.stdout.write(`W ${String(index)}\n`);
  await store.runCompaction();
  process.stdout.write('D\n');
  await store.defragment();
  process.stdout.write('F\n');
}
