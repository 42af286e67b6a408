// Goal: bin/keel.js runs as a real process and exits as etcd would: 0 with the version or the
// help on stdout, 2 with the error on stderr for an unknown flag. Method: spawn node on the bin
// script with an explicit time limit; each run starts tsx, so the cases share one file.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../bin/keel.js', import.meta.url));
const runMs = 40_000;

interface Exit {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(args: readonly string[]): Promise<Exit> {
  return new Promise((resolve, reject) => {
    // Only ETCD_* variables are dropped, so the member reads none of the runner's settings.
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith('ETCD_')),
    );
    const child = spawn(process.execPath, [bin, ...args], { env, timeout: runMs });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, stdout, stderr });
    });
  });
}

describe('bin/keel.js', () => {
  it(
    'prints the version, the help, and refuses an unknown flag with status 2',
    async () => {
      const [version, help, bad] = await Promise.all([
        run(['--version']),
        run(['--help']),
        run(['--no-such-flag']),
      ]);
      expect(version.code).toBe(0);
      expect(version.stdout).toMatch(
        /^keel Version: \d+\.\d+\.\d+\netcd API Version: 3\.6\nNode Version: v/,
      );
      expect(help.code).toBe(0);
      expect(help.stdout).toContain("\n  --initial-cluster 'default=http://localhost:2380'\n");
      expect(bad.code).toBe(2);
      expect(bad.stdout).toBe('');
      expect(bad.stderr).toBe(
        "keel: flag provided but not defined: -no-such-flag\nRun 'keel --help' for the flags keel accepts.\n",
      );
    },
    runMs + 10_000,
  );
});
