// The reader half of the corruption test (corruption.test.ts): for each trial, copies the
// pristine data file, flips one byte at an offset drawn from the trial's own seed, opens the
// log and reads everything back, and prints what happened. A trial whose flip makes LMDB fault
// kills this process; the parent sees a `try` line without its `result` and starts a new child
// at the next trial.
//
// Protocol (stdout): `try <trial> <offset>` then `result <trial> <outcome>`, where outcome is
// `same` (every answer equals the pristine log's), `corrupt` (WalError CORRUPT) or
// `different <what>` (an answer that differs: the failure the test exists to catch).
//
// Usage: node --conditions=@keel/source --import tsx test/corrupt-child.ts <pristine> <expected.json> <seed> <from> <to> <workdir>
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPrng } from '@keel/raft-core/testing';
import { RaftLog, dataFileName, isWalError } from '../src/index.js';
import { describeLog } from './describe-log.js';

const [pristinePath, expectedPath, seedText, fromText, toText, workDir] = process.argv.slice(2);
if (workDir === undefined) throw new Error('usage: see the file comment');
const pristine = readFileSync(pristinePath!);
const expected = readFileSync(expectedPath!, 'utf8');

async function trial(i: number): Promise<string> {
  const prng = createPrng(Number(seedText) * 100_003 + i);
  const offset = prng.nextInt(pristine.byteLength);
  const damaged = Buffer.from(pristine);
  damaged[offset] = damaged[offset]! ^ (1 + prng.nextInt(255));
  process.stdout.write(`try ${String(i)} ${String(offset)}\n`);
  const dir = join(workDir!, `t${String(i)}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, dataFileName), damaged);
  try {
    const log = RaftLog.open({ dir, cacheBytesMax: 0 });
    try {
      const got = describeLog(log);
      return got === expected ? 'same' : `different ${got.slice(0, 200)}`;
    } finally {
      await log.close();
    }
  } catch (e) {
    if (isWalError(e, 'CORRUPT')) return 'corrupt';
    return `different threw ${String(e)}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (let i = Number(fromText); i < Number(toText); i++) {
  process.stdout.write(`result ${String(i)} ${await trial(i)}\n`);
}
