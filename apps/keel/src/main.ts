// The `keel` command: etcd's server flags, ETCD_* variables and --config-file, resolved into a
// member's configuration. Starting the member waits for @keel/embed's startServer (see cli.ts).
import { runKeel } from './cli.js';

process.exitCode = runKeel(process.argv.slice(2), process.env, {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
});
