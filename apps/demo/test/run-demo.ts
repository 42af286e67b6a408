// Runs `pnpm demo`'s entry as a real process (node + tsx on the TypeScript source, as the
// package's start script does) and collects its output lines, for the process-level tests.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));

/** A running demo: its lines so far (stdout and stderr, in arrival order) and its exit. */
export interface DemoRun {
  readonly lines: string[];
  /** The exit code, once the process exited and all its output was read. */
  readonly exit: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
  /** Resolves when a line matches; rejects if the demo exits first. */
  waitFor(pattern: RegExp): Promise<void>;
}

/** Starts the demo with `args`, stdin closed and stdout a pipe (so no colours, no live status). */
export function runDemo(args: string[]): DemoRun {
  const child = spawn(
    process.execPath,
    ['--conditions=@keel/source', '--import', 'tsx', main, ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      lines.push(line);
      for (const w of waiters.filter((x) => x.pattern.test(line))) w.resolve();
    });
  }
  const exit = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
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
          reject(new Error(`exited before ${String(pattern)}: ${lines.join('\n')}`));
        });
      }),
  };
}

/** The directory named on the demo line that starts with `prefix` (up to the first " ("). */
export function dirNamed(lines: readonly string[], prefix: string): string {
  const line = lines.find((l) => l.startsWith(prefix)) ?? '';
  return line.slice(prefix.length).replace(/ \(.*$/, '');
}
