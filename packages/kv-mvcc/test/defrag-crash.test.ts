// Goal: a crash (SIGKILL) at any point of a defragmentation leaves a store that opens with the
// old or the new file, either whole: every acknowledged batch is there, in order, nothing
// beyond the consistent index, and no copy left beside it. Method: a child process writes
// durable batches, compacts and defragments in a loop; the parent kills it at varied moments
// (on a write report, or a random few milliseconds after a defragmentation starts), reopens the
// store and checks every key against the deterministic workload; no sleeps in the checks.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MvccStore } from '../src/store.js';
import { tempDir } from './helpers.js';

const child = fileURLToPath(new URL('./defrag-child.ts', import.meta.url));

/** Runs the child until `killOn` picks a moment; resolves with the last acknowledged index. */
async function runAndKill(
  dir: string,
  killOn: (line: string) => number | undefined,
): Promise<number> {
  const p = spawn(process.execPath, ['--conditions=@keel/source', '--import', 'tsx', child, dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let acked = 0;
  let killing = false;
  await new Promise<void>((resolve, reject) => {
    p.on('error', reject);
    p.on('exit', () => {
      resolve();
    });
    p.stdout.on('data', (b: Buffer) => {
      for (const line of b.toString().trim().split('\n')) {
        if (line.startsWith('W ')) acked = Number(line.slice(2));
        const delayMs = killing ? undefined : killOn(line);
        if (delayMs === undefined) continue;
        killing = true;
        setTimeout(() => p.kill('SIGKILL'), delayMs);
      }
    });
  });
  return acked;
}

/** The workload's state at `applied`: key k<j> holds its last put index (every 101st entry is a
 * compaction, not a put). */
function expectedAt(applied: number): Map<string, string> {
  const m = new Map<string, string>();
  for (let i = 1; i <= applied; i++) if (i % 101 !== 0) m.set(`k${String(i % 300)}`, String(i));
  return m;
}

/** Checks the store against the workload at its consistent index, which covers `acked`. */
async function checkStore(dir: string, acked: number): Promise<void> {
  const store = MvccStore.open({ path: dir });
  const applied = store.consistentIndex;
  expect(applied).toBeGreaterThanOrEqual(acked);
  expect(store.revision).toBe(applied - Math.floor(applied / 101) + 1);
  const kvs = store.range({ key: new Uint8Array([0]), rangeEnd: new Uint8Array([0]) }).kvs;
  const got = new Map(
    kvs.map((kv) => [
      Buffer.from(kv.key).toString(),
      Buffer.from(kv.value).toString().split(':')[0] ?? '',
    ]),
  );
  const want = expectedAt(applied);
  const diff = [...want].filter(([k, v]) => got.get(k) !== v).slice(0, 5);
  expect({ applied, diff, size: got.size }).toEqual({ applied, diff: [], size: want.size });
  const left = readdirSync(dirname(dir)).filter((n) => n.startsWith(`${basename(dir)}-defrag-`));
  expect(left).toEqual([]);
  await store.close();
}

describe('crash during defragment', () => {
  it('leaves the old or the new file, whole, at every kill', async () => {
    const { dir, remove } = tempDir();
    try {
      let seed = 7;
      const random = (n: number): number => (seed = (seed * 48271) % 2147483647) % n;
      for (let round = 0; round < 8; round++) {
        let defrags = 0;
        const acked = await runAndKill(dir, (line) => {
          if (line === 'D') defrags += 1;
          if (round % 2 === 0) return line === 'D' && defrags === 2 ? random(40) : undefined;
          return line.startsWith('W ') && random(4) === 0 ? 0 : undefined;
        });
        await checkStore(dir, acked);
      }
    } finally {
      remove();
    }
  }, 120_000);
});
