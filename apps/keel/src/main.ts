// The `keel` command: etcd's server flags, ETCD_* variables and --config-file, resolved into a
// member's configuration, then the member itself until SIGTERM or SIGINT.
import { runKeel, type KeelIo } from './cli.js';
import { restoreFromFile } from './restore.js';
import { serveMember } from './serve.js';

const io: KeelIo = {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
};

const outcome = runKeel(process.argv.slice(2), process.env, io);
if ('exitCode' in outcome) process.exitCode = outcome.exitCode;
else if ('restore' in outcome) process.exitCode = await restoreFromFile(outcome.restore, io);
else process.exitCode = await serveMember(outcome, io);
