// Goal: `pnpm chaos` reads its flags with defaults, and refuses what it cannot run with
// INVALID_OPTIONS naming the flag. Method: the real parser on argument lists.
import { describe, expect, it } from 'vitest';
import { isChaosError } from '../errors.js';
import { parseChaosArgs } from './cli-args.js';

function refusal(argv: string[]): string {
  try {
    parseChaosArgs(argv);
  } catch (e) {
    if (isChaosError(e, 'INVALID_OPTIONS')) return e.message;
    throw e;
  }
  return 'accepted';
}

describe('parseChaosArgs', () => {
  it('reads a run with every flag, and defaults to keel with all faults', () => {
    expect(parseChaosArgs(['--minutes', '30', '--members', '5', '--seed', '42'])).toEqual({
      command: 'run',
      kind: 'keel',
      members: 5,
      minutes: 30,
      seed: 42,
      faults: ['kill', 'pause', 'partition', 'transfer', 'membership'],
      outDir: 'chaos-out',
    });
    const etcd = parseChaosArgs(['run', '--cluster', 'etcd', '--seed', '1']);
    expect(etcd.command === 'run' && etcd.faults).toEqual([
      'kill',
      'pause',
      'transfer',
      'membership',
    ]);
  });

  it('reads the crash loop', () => {
    expect(parseChaosArgs(['crash', '--kills', '120', '--seed', '3', '--out', 'x'])).toEqual({
      command: 'crash',
      kind: 'keel',
      members: 3,
      kills: 120,
      seed: 3,
      outDir: 'x',
    });
  });

  it('draws a seed when none is given', () => {
    const { seed } = parseChaosArgs([]);
    expect(Number.isSafeInteger(seed) && seed >= 0).toBe(true);
  });

  it('refuses what it cannot run, naming the flag', () => {
    expect(refusal(['--members', '4'])).toBe('--members 4: give 3 or 5');
    expect(refusal(['--members', '7'])).toBe('--members 7: give a number in [3, 5]');
    expect(refusal(['--minutes', 'soon'])).toBe('--minutes soon: give a number in [0.1, 10080]');
    expect(refusal(['--cluster', 'zk'])).toBe('--cluster zk: give keel or etcd');
    expect(refusal(['--faults', 'kill,flood'])).toBe(
      '--faults: unknown fault "flood" (kill, pause, partition, transfer, membership)',
    );
    expect(refusal(['--cluster', 'etcd', '--faults', 'partition'])).toBe(
      "--faults: partition needs keel's test-only fault endpoint; etcd has none",
    );
    expect(refusal(['--kills', '3'])).toMatch(/^unknown flag --kills/);
    expect(refusal(['--seed'])).toBe('expected --flag value, got "--seed"');
  });
});
