// Test support for the tests that check Keel's answers with etcd's own client: Debian's
// /usr/bin/etcdctl (ETCDCTL_API=3) run against a member's client URL with time limits.
import { execFile } from 'node:child_process';
import type { Server } from '../src/index.js';

/** What one etcdctl run gave: its exit status, and its stdout followed by its stderr. */
export interface EtcdctlResult {
  readonly code: number;
  readonly out: string;
}

/** The time limits of one etcdctl run. */
export interface EtcdctlLimits {
  /** etcdctl's own `--command-timeout`, in seconds. */
  readonly commandTimeoutS: number;
  /** After this the process is killed and the run rejects, in ms. */
  readonly killAfterMs: number;
}

/** `host:port` of `server`'s first client URL, as etcdctl takes and prints endpoints. */
export function clientEndpoint(server: Server): string {
  return (server.clientUrls[0] ?? '').replace(/^http:\/\//, '');
}

/**
 * Runs etcdctl with `args` against `server` (`--dial-timeout=3s`, the command timeout of
 * `limits`: 5 s by default, killed after 10 s). Resolves with etcdctl's exit status, failures
 * included; rejects only when it could not run or was killed.
 */
export function etcdctl(
  server: Server,
  args: readonly string[],
  limits: EtcdctlLimits = { commandTimeoutS: 5, killAfterMs: 10_000 },
): Promise<EtcdctlResult> {
  const flags = [
    `--endpoints=${clientEndpoint(server)}`,
    '--dial-timeout=3s',
    `--command-timeout=${limits.commandTimeoutS}s`,
  ];
  return new Promise((resolve, reject) => {
    execFile(
      '/usr/bin/etcdctl',
      [...flags, ...args],
      { env: { ...process.env, ETCDCTL_API: '3' }, timeout: limits.killAfterMs },
      (err, stdout, stderr) => {
        if (err !== null && typeof err.code !== 'number') {
          reject(new Error(err.message));
          return;
        }
        resolve({ code: err === null ? 0 : Number(err.code), out: stdout + stderr });
      },
    );
  });
}
