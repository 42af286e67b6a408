// `pnpm demo`: the etcd-embed article on Keel. One member runs embedded in this process; the
// put/get loop talks to it through the etcd3 client over gRPC, as the article's program does.
import { isEmbedError } from '@keel/embed';
import { DemoArgsError, parseDemoArgs } from './args.js';
import { createOutput } from './output.js';
import { runSingleMember } from './single-member.js';

const out = createOutput();
const stop = new AbortController();
process.once('SIGINT', () => {
  out.line('stopping (Ctrl-C)...');
  stop.abort();
});
process.once('SIGTERM', () => {
  stop.abort();
});

async function main(): Promise<void> {
  const args = parseDemoArgs(process.argv.slice(2));
  if (args.members !== 1) {
    out.error(
      'keel demo: --members 3 needs the keel command to start members, which is not built yet; run without --members',
    );
    process.exitCode = 2;
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
  else out.error(`keel demo: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exitCode = 1;
});
