#!/usr/bin/env node
// Runs the keel command from its TypeScript source through tsx, with the workspace's source
// condition, so a checkout needs no build step to start a member. Signals are passed on to the
// member, and its exit status becomes ours. (Tools that must SIGKILL a member spawn
// `node --conditions=@keel/source --import tsx src/main.ts` directly, so no process is left over.)
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const tsx = import.meta.resolve('tsx');
const child = spawn(
  process.execPath,
  ['--conditions=@keel/source', '--import', tsx, main, ...process.argv.slice(2)],
  { stdio: 'inherit' },
);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => child.kill(signal));
}
child.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal === null ? 1 : 128);
});
