import { parseArgs } from 'node:util';
import { defaultChaosSeconds } from './limits.js';

/** The demo's options, from its command line. */
export interface DemoArgs {
  /** Milliseconds between put/get rounds (etcd's article uses 5 seconds). */
  readonly intervalMs: number;
  /** Members to run: 1 embeds a server in this process; 3 runs a local cluster of processes. */
  readonly members: number;
  /** Kill the leader every this many milliseconds (0: never). Needs `members > 1`. */
  readonly chaosMs: number;
  /** Stop after this many rounds (0: run until Ctrl-C or `durationMs`). */
  readonly rounds: number;
  /** Stop after this many milliseconds (0: run until Ctrl-C or `rounds`). */
  readonly durationMs: number;
}

/** A bad command line; the message says what to change. */
export class DemoArgsError extends Error {
  override readonly name = 'DemoArgsError';
}

function positiveNumber(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0)
    throw new DemoArgsError(`--${flag} takes a number >= 0, got "${raw}"`);
  return n;
}

/** `--chaos` may stand alone (every `defaultChaosSeconds`): give it its value before parsing. */
function withChaosValue(argv: readonly string[]): string[] {
  return argv.flatMap((word, i) => {
    const next = argv[i + 1];
    const alone = word === '--chaos' && (next === undefined || next.startsWith('--'));
    return alone ? [word, String(defaultChaosSeconds)] : [word];
  });
}

/**
 * Parses the demo's flags: `--interval SECONDS` (default 5), `--members N` (1 or 3),
 * `--chaos [SECONDS]` (alone: every 10 s; 0: off), `--rounds N` (0: forever) and
 * `--duration SECONDS` (0: forever).
 *
 * @throws DemoArgsError on an unknown flag or a bad value, with what to do instead.
 */
export function parseDemoArgs(argv: readonly string[]): DemoArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: withChaosValue(argv),
      options: {
        interval: { type: 'string' },
        members: { type: 'string' },
        chaos: { type: 'string' },
        rounds: { type: 'string' },
        duration: { type: 'string' },
      },
      strict: true,
    }));
  } catch (e) {
    throw new DemoArgsError(
      `${(e as Error).message}; flags: --interval --members --chaos --rounds --duration`,
    );
  }
  const members = positiveNumber('members', values.members, 1);
  if (members !== 1 && members !== 3) throw new DemoArgsError('--members takes 1 or 3');
  const chaosMs = positiveNumber('chaos', values.chaos, 0) * 1000;
  if (chaosMs > 0 && members === 1) throw new DemoArgsError('--chaos needs --members 3');
  return {
    intervalMs: positiveNumber('interval', values.interval, 5) * 1000,
    members,
    chaosMs,
    rounds: Math.floor(positiveNumber('rounds', values.rounds, 0)),
    durationMs: positiveNumber('duration', values.duration, 0) * 1000,
  };
}
