// Goal: `pnpm demo` works as a person sees it: a real process embeds a Keel member, runs the
// put/get loop through the etcd3 client, reports leadership and leader-only work, and stops
// cleanly on its round budget and on Ctrl-C (SIGINT), removing its data directory.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dirNamed, runDemo } from './run-demo.js';

const dataDirOf = (lines: string[]) => dirNamed(lines, 'data directory: ');

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

  it('stops by itself after --duration', async () => {
    const run = runDemo(['--interval', '0.2', '--duration', '2']);
    expect(await run.exit).toBe(0);
    expect(run.lines).toContain('stopping (--duration 2 s reached)...');
    expect(run.lines.at(-1)).toMatch(/^done: \d+ rounds, \d+ writes acknowledged, 0 failed$/);
    expect(existsSync(dataDirOf(run.lines))).toBe(false);
  }, 60_000);

  it('refuses a bad flag with what to do, exit code 2', async () => {
    const run = runDemo(['--interval', 'soon']);
    expect(await run.exit).toBe(2);
    expect(run.lines.join('\n')).toContain('--interval takes a number');
  }, 60_000);
});
