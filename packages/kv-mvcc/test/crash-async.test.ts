// Goal: under applyAsync (commit without waiting for the flush, several batches in flight), a
// SIGKILL at a random moment leaves the store at a whole-batch boundary, at or after every batch
// reported committed (and so every one reported durable), with exactly the state that replaying
// the same batches up to that index gives. Method: a child process applies seeded batches until
// killed once its output passes a random target; three kills in a row on one directory (each
// restart resumes from the consistent index); then the store is compared with a fresh store that
// replays the batches with the synchronous apply. No sleeps; the seed is in every message.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MvccStore } from '../src/store.js';
import { crashBatches } from './crash-batches.js';
import { tempDir } from './helpers.js';

const child = fileURLToPath(new URL('./crash-async-child.ts', import.meta.url));

interface Progress {
  committed: number;
  durable: number;
}

/** Starts the child and kills it once a committed index reaches `target`. */
async function runAndKill(args: { dir: string; seed: number; target: number }): Promise<Progress> {
  const p = spawn(
    process.execPath,
    ['--conditions=@keel/source', '--import', 'tsx', child, args.dir, String(args.seed)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const seen: Progress = { committed: 0, durable: 0 };
  let code: number | null = null;
  await new Promise<void>((resolve, reject) => {
    p.on('error', reject);
    p.on('exit', (c) => {
      code = c;
      resolve();
    });
    p.stdout.on('data', (b: Buffer) => {
      for (const line of b.toString().trim().split('\n')) {
        const [kind, n] = line.split(' ');
        if (kind === 'c') seen.committed = Math.max(seen.committed, Number(n));
        if (kind === 'd') seen.durable = Math.max(seen.durable, Number(n));
      }
      if (seen.committed >= args.target) p.kill('SIGKILL');
    });
  });
  expect(code, `the child failed (seed ${String(args.seed)})`).toBe(null);
  return seen;
}

/** The batch boundaries up to `maxIndex`, and a store that replayed the batches up to `upTo`. */
async function replay(upTo: number, seed: number): Promise<{ hash: number; revision: number }> {
  const { dir, remove } = tempDir();
  const store = MvccStore.open({ path: dir, unsafeNoSync: true });
  try {
    for (const batch of crashBatches(seed, upTo)) {
      if ((batch[0]?.index ?? 0) > upTo) break;
      store.apply(batch);
    }
    expect(store.consistentIndex).toBe(upTo);
    return { hash: store.hashKV().hash, revision: store.revision };
  } finally {
    await store.close();
    remove();
  }
}

function boundaries(seed: number, maxIndex: number): Set<number> {
  const ends = new Set<number>([0]);
  for (const batch of crashBatches(seed, maxIndex)) ends.add(batch[batch.length - 1]?.index ?? 0);
  return ends;
}

describe('crash during applyAsync', () => {
  it('reopens at a whole batch at or after what was reported, equal to a replay', async () => {
    const seed = Math.floor(Math.random() * 2 ** 31);
    const why = `seed ${String(seed)}`;
    const { dir, remove } = tempDir();
    try {
      let target = 0;
      let seen: Progress = { committed: 0, durable: 0 };
      for (let round = 0; round < 3; round++) {
        target += 200 + Math.floor(Math.random() * 1500);
        seen = await runAndKill({ dir, seed, target });
        expect(seen.durable, why).toBeLessThanOrEqual(seen.committed);
      }
      const store = MvccStore.open({ path: dir });
      const applied = store.consistentIndex;
      const state = { hash: store.hashKV().hash, revision: store.revision };
      await store.close();
      expect(applied, why).toBeGreaterThanOrEqual(seen.committed);
      expect(
        boundaries(seed, applied).has(applied),
        `${why}: ${String(applied)} is a boundary`,
      ).toBe(true);
      expect(state, why).toEqual(await replay(applied, seed));
    } finally {
      remove();
    }
  }, 60_000);
});
