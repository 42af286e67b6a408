// Goal: no acknowledged write is ever lost or damaged by kill -9, and what survives is a
// consistent prefix of what was issued. Method: a child process (crash-child.ts) writes in a
// loop and reports each acknowledged save; the parent SIGKILLs it after a random number of
// acknowledgements (so the kill lands anywhere in the write path), reopens the log and checks
// it, then starts the child again on the same directory. CI does CRASH_KILLS (default 10);
// `pnpm --filter @keel/raft-wal crash` does 60. CRASH_SEED replays a run.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createPrng } from '@keel/raft-core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { RaftLog } from '../src/index.js';
import { crashEntryData } from './crash-data.js';
import { tempDir } from './helpers.js';

const kills = Number(process.env['CRASH_KILLS'] ?? '10');
const seed = Number(process.env['CRASH_SEED'] ?? String(Date.now() % 1_000_000));
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const childPath = fileURLToPath(new URL('./crash-child.ts', import.meta.url));

/** What the parent knows from the child's acknowledgements, over all its lives. */
interface Acked {
  /** The latest acknowledged term of each index. */
  readonly termAt: Map<number, number>;
  maxIndex: number;
  maxCommit: number;
  maxCompact: number;
  maxIssuedIndex: number;
  maxIssuedTerm: number;
}

function handleLine(line: string, acked: Acked): boolean {
  const [kind, ...nums] = line.split(' ');
  const n = nums.map(Number);
  if (kind === 'issue') {
    acked.maxIssuedIndex = Math.max(acked.maxIssuedIndex, n[0]! - 1);
    acked.maxIssuedTerm = Math.max(acked.maxIssuedTerm, n[1]!);
    return false;
  }
  if (kind === 'compacted') {
    acked.maxCompact = Math.max(acked.maxCompact, n[0]!);
    return false;
  }
  expect(kind).toBe('ack');
  const [lo, hi, term, commit] = n as [number, number, number, number];
  for (let i = lo; i < hi; i++) acked.termAt.set(i, term);
  acked.maxIndex = Math.max(acked.maxIndex, hi - 1);
  acked.maxCommit = Math.max(acked.maxCommit, commit);
  return true;
}

/** Runs the child until it has acknowledged `acksBeforeKill` saves, then SIGKILLs it. */
function runChild(
  dir: string,
  opts: { readonly childSeed: number; readonly acksBeforeKill: number },
  acked: Acked,
): Promise<number> {
  const { childSeed, acksBeforeKill } = opts;
  const child = spawn(
    process.execPath,
    ['--conditions=@keel/source', '--import', 'tsx', childPath, dir, String(childSeed)],
    {
      cwd: packageDir,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let acks = 0;
  // Every line the child wrote before it died is read, kill or not: each is a real ack.
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (handleLine(line, acked) && ++acks === acksBeforeKill) child.kill('SIGKILL');
  });
  return new Promise((resolve, reject) => {
    child.on('close', (code, signal) => {
      if (signal === 'SIGKILL') resolve(acks);
      else reject(new Error(`crash child exited by itself (code ${String(code)}): ${stderr}`));
    });
  });
}

function checkLog(dir: string, acked: Acked): void {
  // Opening verifies every record's checksum and that the index sequence has no gap.
  const log = RaftLog.open({ dir, cacheBytesMax: 0 });
  try {
    const [first, last] = [log.firstIndex(), log.lastIndex()];
    expect(last, 'every acknowledged index survives').toBeGreaterThanOrEqual(acked.maxIndex);
    expect(last, 'nothing that was never issued').toBeLessThanOrEqual(acked.maxIssuedIndex);
    expect(first - 1, 'acknowledged compaction survives').toBeGreaterThanOrEqual(acked.maxCompact);
    expect(log.initialState().hardState.commit).toBeGreaterThanOrEqual(acked.maxCommit);
    let prevTerm = log.term(first - 1);
    for (const e of log.entries(first, last + 1, Infinity)) {
      expect(e.term, `terms never go back at ${String(e.index)}`).toBeGreaterThanOrEqual(prevTerm);
      expect(e.term).toBeLessThanOrEqual(acked.maxIssuedTerm);
      expect(e.data, `entry ${String(e.index)} intact`).toEqual(crashEntryData(e.index, e.term));
      const ackedTerm = acked.termAt.get(e.index);
      if (ackedTerm !== undefined)
        expect(e.term, `acked entry ${String(e.index)}`).toBeGreaterThanOrEqual(ackedTerm);
      prevTerm = e.term;
    }
  } finally {
    void log.close();
  }
}

describe('RaftLog under kill -9', () => {
  const dir = tempDir();
  afterAll(() => {
    dir.remove();
  });

  it(
    `keeps every acknowledged write through ${String(kills)} kills (CRASH_SEED=${String(seed)})`,
    async () => {
      const prng = createPrng(seed);
      const acked: Acked = {
        termAt: new Map(),
        maxIndex: 0,
        maxCommit: 0,
        maxCompact: 0,
        maxIssuedIndex: 0,
        maxIssuedTerm: 1,
      };
      let total = 0;
      for (let k = 0; k < kills; k++) {
        total += await runChild(
          dir.path,
          { childSeed: prng.nextInt(1 << 30), acksBeforeKill: 1 + prng.nextInt(40) },
          acked,
        );
        checkLog(dir.path, acked);
      }
      expect(total).toBeGreaterThanOrEqual(kills);
    },
    30_000 + kills * 8_000,
  );
});
