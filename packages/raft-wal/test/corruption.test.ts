// Goal: damage anywhere in the data file is either reported as CORRUPT or leaves every answer
// unchanged (it hit free space or slack); the log never answers with different data.
// Method: build a log with compaction (so the file has free pages), then flip one byte at a
// random offset per trial and reopen and read everything in a child process (corrupt-child.ts).
// LMDB does not checksum its own page structure: a flip in a node header can make it fault
// (SIGBUS/SIGSEGV) while reading. Such a trial kills the child without any answer, which is
// counted and reported (it returns no data at all); the parent goes on at the next trial.
// CORRUPT_TRIALS (default 120) and CORRUPT_SEED control the run.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { RaftLog, dataFileName } from '../src/index.js';
import { describeLog } from './describe-log.js';
import { entries, tempDir } from './helpers.js';

const trials = Number(process.env['CORRUPT_TRIALS'] ?? '120');
const seed = Number(process.env['CORRUPT_SEED'] ?? String(Date.now() % 1_000_000));
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const childPath = fileURLToPath(new URL('./corrupt-child.ts', import.meta.url));

interface Tally {
  readonly outcomes: Map<string, number>;
  readonly different: string[];
  readonly faults: number[];
}

/** Runs trials [from, trials) in one child; resolves with the next trial to run. */
function runChild(args: readonly string[], from: number, tally: Tally): Promise<number> {
  const child = spawn(
    process.execPath,
    [
      '--conditions=@keel/source',
      '--import',
      'tsx',
      childPath,
      ...args.slice(0, 3),
      String(from),
      String(trials),
      args[3]!,
    ],
    {
      cwd: packageDir,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let next = from;
  let tried: { trial: number; offset: number } | undefined;
  createInterface({ input: child.stdout }).on('line', (line) => {
    const [kind, trialText, ...rest] = line.split(' ');
    if (kind === 'try') {
      tried = { trial: Number(trialText), offset: Number(rest[0]) };
      return;
    }
    const outcome = rest.join(' ');
    const key = outcome.startsWith('different') ? 'different' : outcome;
    tally.outcomes.set(key, (tally.outcomes.get(key) ?? 0) + 1);
    if (key === 'different')
      tally.different.push(`trial ${String(trialText)} at ${String(tried?.offset)}: ${outcome}`);
    next = Number(trialText) + 1;
    tried = undefined;
  });
  return new Promise((resolve, reject) => {
    child.on('close', (code, signal) => {
      if (code === 0) {
        resolve(next);
      } else if (signal !== null && tried !== undefined) {
        tally.faults.push(tried.offset);
        resolve(tried.trial + 1);
      } else {
        reject(
          new Error(
            `corrupt child failed (code ${String(code)}, signal ${String(signal)}): ${stderr}`,
          ),
        );
      }
    });
  });
}

describe('RaftLog with a damaged data file', () => {
  const dir = tempDir();
  afterAll(() => {
    dir.remove();
  });

  it(`reports CORRUPT or answers unchanged, never different data (CORRUPT_SEED=${String(seed)})`, async () => {
    const log = RaftLog.open({ dir: join(dir.path, 'log') });
    const snapshot = {
      data: new Uint8Array([7, 7, 7]),
      metadata: {
        index: 0,
        term: 0,
        confState: {
          voters: [1],
          learners: [],
          votersOutgoing: [],
          learnersNext: [],
          autoLeave: false,
        },
      },
    };
    await log.save({
      snapshot: { ...snapshot, metadata: { ...snapshot.metadata, index: 1, term: 1 } },
    });
    for (let b = 0; b < 12; b++) {
      await log.save({
        entries: entries([b * 50 + 2, b * 50 + 52], 1 + b, 100),
        hardState: { term: 1 + b, vote: 1, commit: b * 50 },
      });
    }
    await log.compactLog(250);
    const expectedPath = join(dir.path, 'expected.json');
    writeFileSync(expectedPath, describeLog(log));
    await log.close();
    const args = [
      join(dir.path, 'log', dataFileName),
      expectedPath,
      String(seed),
      join(dir.path, 'work'),
    ];
    const tally: Tally = { outcomes: new Map(), different: [], faults: [] };
    for (let next = 0, restarts = 0; next < trials; restarts++) {
      expect(restarts, 'too many LMDB faults').toBeLessThan(trials);
      next = await runChild(args, next, tally);
    }
    console.log(
      `corruption trials: ${JSON.stringify(Object.fromEntries(tally.outcomes))}, LMDB faults: ${String(tally.faults.length)} at offsets ${tally.faults.join(',')}`,
    );
    expect(tally.different).toEqual([]);
    expect(tally.outcomes.get('corrupt') ?? 0, 'some flips must be detected').toBeGreaterThan(0);
    expect(
      (tally.outcomes.get('corrupt') ?? 0) +
        (tally.outcomes.get('same') ?? 0) +
        tally.faults.length,
    ).toBe(trials);
  }, 120_000);
});
