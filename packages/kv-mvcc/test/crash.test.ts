// Goal: a crash (SIGKILL) in the middle of applying never leaves a batch half applied and never
// loses the applied index: after reopening, the store holds exactly the puts of the entries up to
// its consistent index, one revision each, and replaying from any earlier index applies nothing
// twice. Method: a child process applies durable batches until killed after its output shows
// progress; no sleeps.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MvccStore } from '../src/store.js';
import { tempDir } from './helpers.js';

const child = fileURLToPath(new URL('./crash-child.ts', import.meta.url));

/** Starts the child and kills it once it has reported `minApplied` applied entries. */
async function runAndKill(dir: string, minApplied: number): Promise<number> {
  const p = spawn(process.execPath, ['--conditions=@keel/source', '--import', 'tsx', child, dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let last = 0;
  await new Promise<void>((resolve, reject) => {
    p.on('error', reject);
    p.on('exit', () => {
      resolve();
    });
    p.stdout.on('data', (b: Buffer) => {
      const lines = b.toString().trim().split('\n');
      last = Number(lines[lines.length - 1]);
      if (last >= minApplied) p.kill('SIGKILL');
    });
  });
  return last;
}

describe('crash during apply', () => {
  it('keeps data and consistent index together across kill -9, and replays nothing twice', async () => {
    const { dir, remove } = tempDir();
    try {
      let reported = 0;
      for (const target of [200, 600]) reported = await runAndKill(dir, target);
      const store = MvccStore.open({ path: dir });
      const applied = store.consistentIndex;
      expect(applied).toBeGreaterThanOrEqual(reported); // durable before it was printed
      expect(applied % 50).toBe(0); // whole batches only
      expect(store.revision).toBe(applied + 1); // one put per entry, the first at revision 2
      const all = store.range({
        key: Buffer.from('k'),
        rangeEnd: Buffer.from('l'),
        countOnly: true,
      });
      expect(all.count).toBe(applied);
      const replay = store.apply([
        { index: applied, request: { put: { key: Buffer.from('k1'), value: Buffer.from('x') } } },
      ]);
      expect('skipped' in (replay[0] ?? {})).toBe(true);
      expect(store.revision).toBe(applied + 1); // one put per entry, the first at revision 2
      await store.close();
    } finally {
      remove();
    }
  }, 30_000);
});
