// Goal: `pnpm demo` works as a person sees it: a real process embeds a Keel member, runs the
// put/get loop through the etcd3 client, reports leadership and leader-only work, and stops
// cleanly on its round budget and on Ctrl-C (SIGINT), removing its data directory.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));

interface Run {
  lines: string[];
  exit: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
  waitFor(pattern: RegExp): Promise<void>;
}

function runDemo(args: string[]): Run {
  const child = spawn(
    process.execPath,
    ['--conditions=@keel/source', '--import', 'tsx', main, ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  const onData = (chunk: Buffer) => {
    lines.push(
      ...chunk
        .toString()
        .split('\n')
        .filter((l) => l !== ''),
    );
    for (const w of waiters.filter((x) => lines.some((l) => x.pattern.test(l)))) w.resolve();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exit = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      resolve(code);
    }),
  );
  return {
    lines,
    exit,
    kill: (signal) => child.kill(signal),
    waitFor: (pattern) =>
      new Promise<void>((resolve, reject) => {
        if (lines.some((l) => pattern.test(l))) {
          resolve();
          return;
        }
        waiters.push({ pattern, resolve });
        void exit.then(() => {
          reject(new Error(`exited before ${pattern}: ${lines.join('\n')}`));
        });
      }),
  };
}

function dataDirOf(lines: string[]): string {
  const line = lines.find((l) => l.startsWith('data directory: ')) ?? '';
  return line.replace('data directory: ', '').replace(/ \(.*$/, '');
}

describe('pnpm demo', () => {
  it('runs the put/get loop for its rounds with leader-only work, then stops', async () => {
    const run = runDemo(['--interval', '0.2', '--rounds', '4']);
    expect(await run.exit).toBe(0);
    const puts = run.lines.filter((l) => /^yandaojiumozhi : mibao-\d{1,2}$/.test(l));
    expect(puts).toHaveLength(4);
    expect(run.lines).toContainEqual(
      expect.stringMatching(/^Leader changed: [0-9a-f]+ \(term \d+\); demo is leader$/),
    );
    expect(run.lines).toContainEqual(expect.stringMatching(/^leader-only work: counter = 1$/));
    expect(run.lines.at(-1)).toBe('done: 4 rounds, 4 writes acknowledged, 0 failed');
    expect(existsSync(dataDirOf(run.lines))).toBe(false);
  }, 60_000);

  it('stops cleanly on Ctrl-C', async () => {
    const run = runDemo(['--interval', '0.2']);
    await run.waitFor(/^yandaojiumozhi : /);
    run.kill('SIGINT');
    expect(await run.exit).toBe(0);
    expect(run.lines).toContain('stopping (Ctrl-C)...');
    expect(run.lines.at(-1)).toMatch(/^done: \d+ rounds, \d+ writes acknowledged, 0 failed$/);
    expect(existsSync(dataDirOf(run.lines))).toBe(false);
  }, 60_000);

  it('refuses a bad flag with what to do, exit code 2', async () => {
    const run = runDemo(['--interval', 'soon']);
    expect(await run.exit).toBe(2);
    expect(run.lines.join('\n')).toContain('--interval takes a number');
  }, 60_000);
});
