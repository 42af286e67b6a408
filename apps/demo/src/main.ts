// `pnpm demo`: the etcd-embed article on Keel. One member runs embedded in this process; the
// put/get loop talks to it through the etcd3 client over gRPC, as the article's program does.
// `--members 3` runs a local cluster of `keel` processes instead, and `--chaos` kills its leader.
import { isEmbedError } from '@keel/embed';
import { DemoArgsError, parseDemoArgs, type DemoArgs } from './args.js';
import { isDemoError } from './errors.js';
import { createOutput } from './output.js';
import { runSingleMember } from './single-member.js';
import { runThreeMembers } from './three-members.js';

/** Exit status when an acknowledged write was lost (1 is a failure, 2 a bad flag). */
const lostWriteExitCode = 3;

const out = createOutput();
const stop = new AbortController();
process.on('SIGINT', () => {
  if (stop.signal.aborted) {
    // A second Ctrl-C: stop at once (the exit handler kills any member process).
    process.exit(130);
  }
  out.line('stopping (Ctrl-C)...');
  stop.abort();
});
process.once('SIGTERM', () => {
  stop.abort();
});

function stopAfter(durationMs: number): void {
  if (durationMs === 0) return;
  setTimeout(() => {
    if (stop.signal.aborted) return;
    out.line(`stopping (--duration ${durationMs / 1000} s reached)...`);
    stop.abort();
  }, durationMs).unref();
}

async function runCluster(args: DemoArgs): Promise<void> {
  const { tally, kills, lost } = await runThreeMembers(args, out, stop.signal);
  if (args.chaosMs > 0)
    out.line(`chaos: the leader was killed with SIGKILL and restarted ${kills} times`);
  out.line(
    `done: ${tally.rounds} rounds, ${tally.acknowledged} writes acknowledged, ${tally.failed} failed, ${lost.length} lost`,
  );
  if (lost.length > 0) {
    out.error(
      'keel demo: acknowledged writes were lost (listed above); the data directories are kept',
    );
    process.exitCode = lostWriteExitCode;
  }
}

async function main(): Promise<void> {
  const args = parseDemoArgs(process.argv.slice(2));
  stopAfter(args.durationMs);
  if (args.members === 3) {
    await runCluster(args);
    return;
  }
  const result = await runSingleMember(args, out, stop.signal);
  out.line(
    `done: ${result.rounds} rounds, ${result.acknowledged} writes acknowledged, ${result.failed} failed`,
  );
}

main().catch((e: unknown) => {
  if (e instanceof DemoArgsError) {
    out.error(`keel demo: ${e.message}`);
    process.exitCode = 2;
    return;
  }
  if (isEmbedError(e)) out.error(`keel demo: the server failed (${e.code}): ${e.message}`);
  else if (isDemoError(e)) out.error(`keel demo: ${e.message}`);
  else out.error(`keel demo: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exitCode = 1;
});
