// The demo's entry point. The embedded server (issue 7) and the gRPC API (issue 8) it drives are
// not built yet; until they are, it checks its flags and says so plainly.
import { DemoArgsError, parseDemoArgs } from './args.js';

try {
  const args = parseDemoArgs(process.argv.slice(2));
  process.stdout.write(
    `keel demo: the embedded server is not built yet (members=${args.members}, ` +
      `interval=${args.intervalMs / 1000}s). This command will run the put/get loop once it is.\n`,
  );
} catch (e) {
  if (!(e instanceof DemoArgsError)) throw e;
  process.stderr.write(`keel demo: ${e.message}\n`);
  process.exitCode = 2;
}
