#!/usr/bin/env node
// Runs the keel command from its TypeScript source through tsx, with the workspace's source
// condition, so a checkout needs no build step to start a member.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const child = spawnSync(
  process.execPath,
  ['--conditions=@keel/source', '--import', 'tsx', main, ...process.argv.slice(2)],
  { stdio: 'inherit' },
);
process.exitCode = child.status ?? 1;
