// The `keel` command. Flag parsing and the member itself arrive with issue 9; until then it
// answers --version and says plainly that it cannot start a member yet.
import { versionText } from './version.js';

const argv = process.argv.slice(2);
if (argv.includes('--version')) {
  process.stdout.write(`${versionText()}\n`);
} else {
  process.stderr.write('keel: starting a member is not built yet; only --version works.\n');
  process.exitCode = 2;
}
