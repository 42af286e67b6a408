// Child process of crash.test.ts: applies batches of puts to the store in argv[2] forever (entry
// i puts key i), printing each applied index, until it is killed.
import { MvccStore } from '../src/index.js';

const store = MvccStore.open({ path: process.argv[2] ?? '' });
let index = store.consistentIndex;
// Runs until the parent kills it; each turn is one durable batch.
for (;;) {
  const entries = Array.from({ length: 50 }, (_, j) => ({
    index: index + j + 1,
    request: {
      put: {
        key: Buffer.from(`k${String(index + j + 1)}`),
        value: Buffer.from(String(index + j + 1)),
      },
    },
  }));
  store.apply(entries);
  index += entries.length;
  process.stdout.write(`${String(index)}\n`);
}
