// Goal: `pnpm demo --members 3 --chaos` works as a person sees it, for a bounded time: three real
// `keel` processes, writes through each member in turn and serializable reads from followers,
// the leader killed with SIGKILL and restarted, a new leader elected and printed, and at the end
// every acknowledged write read back ("lost: 0"), the members gone and the data removed. Method:
// run the demo as a process with a short interval and chaos period, and parse its output.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dirNamed, runDemo } from './run-demo.js';

function pidsOf(lines: readonly string[]): number[] {
  return lines.flatMap((l) => {
    const m = /^m\d: pid (\d+),|^chaos: m\d is back \(pid (\d+)\)$/.exec(l);
    return m === null ? [] : [Number(m[1] ?? m[2])];
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('pnpm demo --members 3 --chaos', () => {
  it('keeps every acknowledged write while the leader is killed and restarted', async () => {
    const run = runDemo([
      '--members',
      '3',
      '--interval',
      '0.2',
      '--chaos',
      '5',
      '--duration',
      '17',
    ]);
    const code = await run.exit;
    const out = run.lines.join('\n');
    expect(code, out).toBe(0);

    const kills = run.lines.filter((l) => /^chaos: SIGKILL m\d \(the leader, pid \d+\)$/.test(l));
    expect(kills.length, out).toBeGreaterThanOrEqual(1);
    expect(run.lines).toContainEqual(expect.stringMatching(/^chaos: m\d is back \(pid \d+\)$/));
    // The first leader and at least one elected after a kill.
    const leaders = run.lines.filter((l) =>
      /^Leader changed: m\d \([0-9a-f]+, term \d+\) is the new leader$/.test(l),
    );
    expect(leaders.length, out).toBeGreaterThanOrEqual(2);
    const reads = run.lines.filter((l) =>
      /^yandaojiumozhi : mibao-\d{1,2} {2}\[put via m\d, read from m\d \(a follower, serializable\)/.test(
        l,
      ),
    );
    expect(reads.length, out).toBeGreaterThanOrEqual(5);
    // The loop went on after the first kill.
    const firstKill = run.lines.indexOf(kills[0] ?? '');
    expect(
      run.lines.slice(firstKill).some((l) => l.startsWith('yandaojiumozhi : ')),
      out,
    ).toBe(true);

    const check = /^acknowledged writes: (\d+), present: (\d+), lost: 0$/.exec(
      run.lines.find((l) => l.startsWith('acknowledged writes: ')) ?? '',
    );
    expect(check, out).not.toBeNull();
    expect(Number(check?.[1])).toBeGreaterThanOrEqual(reads.length);
    expect(check?.[2]).toBe(check?.[1]);
    expect(run.lines.at(-1)).toMatch(
      /^done: \d+ rounds, \d+ writes acknowledged, \d+ failed, 0 lost$/,
    );

    expect(existsSync(dirNamed(run.lines, 'data directories in '))).toBe(false);
    expect(pidsOf(run.lines).filter(isAlive)).toEqual([]);
  }, 90_000);
});
