import type { LeaderChange, Server } from '@keel/embed';
import type { Output } from './output.js';
import { pause } from './pause.js';

/** Describes a leader change the way the article's `check` prints it. */
export function describeLeaderChange(change: LeaderChange, memberName: string): string {
  if (change.leaderId === 0)
    return `Leader changed: no leader (term ${change.term}); ${memberName} waits`;
  const role = change.isLeader ? 'leader' : 'follower';
  return `Leader changed: ${change.leaderId.toString(16)} (term ${change.term}); ${memberName} is ${role}`;
}

/**
 * The article's `check`: prints every leader change, and runs "leader-only work" (a counter that
 * only the leader advances) through `runWhileLeader`, which stops it the moment leadership ends.
 * Resolves when `signal` aborts.
 */
export async function watchLeadership(options: {
  server: Server;
  intervalMs: number;
  out: Output;
  signal: AbortSignal;
}): Promise<void> {
  const { server, out, signal } = options;
  const off = server.onLeaderChange((c) => {
    out.leader(describeLeaderChange(c, server.name));
  });
  let counter = 0;
  try {
    await server.runWhileLeader(
      async (leading, { term }) => {
        out.leader(`leader-only work starts (term ${term})`);
        while (!leading.aborted) {
          counter++;
          out.leader(`leader-only work: counter = ${counter}`);
          // pause removes its abort listener when the time is up: one listener per turn would
          // pile up on `leading` for as long as this member leads.
          await pause(options.intervalMs, leading);
        }
        if (!signal.aborted) out.leader('leader-only work stops: this member no longer leads');
      },
      { signal },
    );
  } finally {
    off();
  }
}
