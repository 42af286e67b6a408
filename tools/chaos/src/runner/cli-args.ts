// The `pnpm chaos` command line: `[run] --minutes N --members 3|5 --seed S --cluster keel|etcd
// --faults kill,pause,partition,transfer,membership --out DIR`, and `crash --kills N --members 3|5 --seed S
// --cluster keel|etcd --out DIR` for the crash-consistency loop.
import { randomInt } from 'node:crypto';
import { ChaosError } from '../errors.js';
import { clusterSizes, crashKillsMax, runMinutesMax } from '../limits.js';
import type { ClusterKind } from './member-process.js';
import { faultKinds, type FaultKind } from './nemesis.js';

/** A parsed command line. */
export type ChaosCommand =
  | {
      readonly command: 'run';
      readonly kind: ClusterKind;
      readonly members: number;
      readonly minutes: number;
      readonly seed: number;
      readonly faults: readonly FaultKind[];
      readonly outDir: string;
    }
  | {
      readonly command: 'crash';
      readonly kind: ClusterKind;
      readonly members: number;
      readonly kills: number;
      readonly seed: number;
      readonly outDir: string;
    };

function bad(message: string): ChaosError {
  return new ChaosError({ code: 'INVALID_OPTIONS', message });
}

function number(name: string, text: string, range: readonly [number, number]): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < range[0] || n > range[1]) {
    throw bad(`--${name} ${text}: give a number in [${range[0]}, ${range[1]}]`);
  }
  return n;
}

function flags(argv: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    const [name, value] = [argv[i] ?? '', argv[i + 1]];
    if (!name.startsWith('--') || value === undefined)
      throw bad(`expected --flag value, got "${name}"`);
    out.set(name.slice(2), value);
  }
  return out;
}

function faultList(text: string, kind: ClusterKind): FaultKind[] {
  const list = text.split(',').filter((f) => f !== '');
  for (const f of list) {
    if (!(faultKinds as readonly string[]).includes(f))
      throw bad(`--faults: unknown fault "${f}" (${faultKinds.join(', ')})`);
  }
  if (kind === 'etcd' && list.includes('partition')) {
    throw bad("--faults: partition needs keel's test-only fault endpoint; etcd has none");
  }
  return list as FaultKind[];
}

/**
 * Parses the command line.
 *
 * @throws ChaosError `INVALID_OPTIONS` naming the flag and what it takes.
 */
export function parseChaosArgs(argv: readonly string[]): ChaosCommand {
  const command = argv[0] === 'crash' ? 'crash' : 'run';
  const rest = argv[0] === 'crash' || argv[0] === 'run' ? argv.slice(1) : argv;
  const f = flags(rest);
  const known =
    command === 'run'
      ? ['minutes', 'members', 'seed', 'cluster', 'faults', 'out']
      : ['kills', 'members', 'seed', 'cluster', 'out'];
  const unknown = [...f.keys()].find((k) => !known.includes(k));
  if (unknown !== undefined)
    throw bad(`unknown flag --${unknown} (${known.map((k) => `--${k}`).join(' ')})`);
  const kind = f.get('cluster') ?? 'keel';
  if (kind !== 'keel' && kind !== 'etcd') throw bad(`--cluster ${kind}: give keel or etcd`);
  const members = number('members', f.get('members') ?? '3', [3, 5]);
  if (!clusterSizes.includes(members)) throw bad(`--members ${members}: give 3 or 5`);
  const seed = Math.floor(
    number('seed', f.get('seed') ?? String(randomInt(2 ** 31)), [0, 2 ** 31 - 1]),
  );
  const outDir = f.get('out') ?? 'chaos-out';
  if (command === 'crash') {
    const kills = Math.floor(number('kills', f.get('kills') ?? '100', [1, crashKillsMax]));
    return { command, kind, members, kills, seed, outDir };
  }
  const minutes = number('minutes', f.get('minutes') ?? '1', [0.1, runMinutesMax]);
  const defaults =
    kind === 'keel' ? 'kill,pause,partition,transfer,membership' : 'kill,pause,transfer,membership';
  const faults = faultList(f.get('faults') ?? defaults, kind);
  return { command, kind, members, minutes, seed, faults, outDir };
}
