import type { Etcd3 } from 'etcd3';

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

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done);
  });
}

/**
 * The article's loop: every `intervalMs`, put `yandaojiumozhi = mibao-<n>` through the etcd
 * client, read it back, and print `yandaojiumozhi : mibao-<n>`. A failed round prints what went
 * wrong and the loop goes on (during an election writes fail for a moment).
 */
export async function runPutGetLoop(options: PutGetLoopOptions): Promise<PutGetLoopResult> {
  const { client, print, signal } = options;
  let rounds = 0;
  let acknowledged = 0;
  let failed = 0;
  while (!(signal?.aborted ?? false) && (options.rounds === 0 || rounds < options.rounds)) {
    if (rounds > 0) await pause(options.intervalMs, signal);
    if (signal?.aborted) break;
    rounds++;
    const value = `mibao-${options.nextInt(100)}`;
    try {
      await client.put(demoKey).value(value);
      acknowledged++;
      const read = await client.get(demoKey).string();
      print(`${demoKey} : ${read ?? '(missing)'}`);
    } catch (e) {
      failed++;
      print(`round ${rounds} failed: ${(e as Error).message} (the loop goes on)`);
    }
  }
  return { rounds, acknowledged, failed };
}
