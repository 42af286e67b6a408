import type { Etcd3 } from 'etcd3';
import { pause } from './pause.js';

/** The key the etcd-embed article writes in its loop. */
export const demoKey = 'yandaojiumozhi';

/** Options of the put/get loop. */
export interface PutGetLoopOptions {
  readonly client: Etcd3;
  readonly intervalMs: number;
  /** Stop after this many rounds; 0 runs until `signal` aborts. */
  readonly rounds: number;
  /** Draws the value's number in [0, 100); injected so tests can fix it. */
  readonly nextInt: (maxExclusive: number) => number;
  /** Prints one line of output. */
  readonly print: (line: string) => void;
  readonly signal?: AbortSignal;
}

/** What the loop did: rounds completed and writes acknowledged (each read back the same). */
export interface PutGetLoopResult {
  readonly rounds: number;
  readonly acknowledged: number;
  readonly failed: number;
}

/** How often and how long a loop of rounds runs. */
export interface RoundOptions {
  readonly intervalMs: number;
  /** Stop after this many rounds; 0 runs until `signal` aborts. */
  readonly rounds: number;
  readonly signal?: AbortSignal | undefined;
}

/**
 * Runs `round(n)` for n = 1, 2, ... with `intervalMs` between the end of one round and the start
 * of the next, until `options.rounds` rounds ran or `signal` aborts. Returns the rounds run.
 */
export async function repeatRounds(
  options: RoundOptions,
  round: (n: number) => Promise<void>,
): Promise<number> {
  const { signal } = options;
  let rounds = 0;
  while (!(signal?.aborted ?? false) && (options.rounds === 0 || rounds < options.rounds)) {
    if (rounds > 0) await pause(options.intervalMs, signal);
    if (signal?.aborted) break;
    rounds++;
    await round(rounds);
  }
  return rounds;
}

/**
 * The article's loop: every `intervalMs`, put `yandaojiumozhi = mibao-<n>` through the etcd
 * client, read it back, and print `yandaojiumozhi : mibao-<n>`. A failed round prints what went
 * wrong and the loop goes on (during an election writes fail for a moment).
 */
export async function runPutGetLoop(options: PutGetLoopOptions): Promise<PutGetLoopResult> {
  const { client, print } = options;
  let acknowledged = 0;
  let failed = 0;
  const rounds = await repeatRounds(options, async (round) => {
    const value = `mibao-${options.nextInt(100)}`;
    try {
      await client.put(demoKey).value(value);
      acknowledged++;
      const read = await client.get(demoKey).string();
      print(`${demoKey} : ${read ?? '(missing)'}`);
    } catch (e) {
      failed++;
      print(`round ${round} failed: ${(e as Error).message} (the loop goes on)`);
    }
  });
  return { rounds, acknowledged, failed };
}
