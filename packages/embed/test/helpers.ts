// Test support for embed's integration tests: temp data directories, a manual clock, a race
// against a deadline, a pause between tries, and free loopback ports for multi-member configs.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cancel, Clock } from '../src/index.js';

/** A fresh temp directory and its removal. */
export async function tempDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'keel-embed-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Rejects with a message naming `what` after `ms` unless `p` settles first. */
export async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`${what}: not within ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([p, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves after `ms` of real time: the pause between two tries of a loop with a deadline. */
export const pause = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/** A clock that moves only when told: `advance(ms)` runs every timer due by then. */
export class ManualClock implements Clock {
  #now = 0;
  #timers: { at: number; fn: () => void; everyMs?: number; live: boolean }[] = [];
  nowMs(): number {
    return this.#now;
  }
  after(delayMs: number, fn: () => void): Cancel {
    const t = { at: this.#now + delayMs, fn, live: true };
    this.#timers.push(t);
    return () => {
      t.live = false;
    };
  }
  every(intervalMs: number, fn: () => void): Cancel {
    const t = { at: this.#now + intervalMs, fn, everyMs: intervalMs, live: true };
    this.#timers.push(t);
    return () => {
      t.live = false;
    };
  }
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      const due = this.#timers.filter((t) => t.live && t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      this.#now = due.at;
      if (due.everyMs === undefined) due.live = false;
      else due.at += due.everyMs;
      due.fn();
    }
    this.#now = end;
  }
}

/** `count` ports that were free a moment ago on 127.0.0.1 (for peer URLs, which must be known
 * before any member starts because member IDs derive from them). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve) => {
          const s = createServer();
          s.listen(0, '127.0.0.1', () => {
            resolve(s);
          });
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

/** Bytes of a string. */
export const b = (s: string): Buffer => Buffer.from(s);
/** A string of bytes. */
export const s = (x: Uint8Array | undefined): string | undefined =>
  x === undefined ? undefined : Buffer.from(x).toString();
