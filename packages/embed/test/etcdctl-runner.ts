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

/** A running etcdctl: `printed` waits for its stdout to hold a text, `result` for its exit. */
export interface RunningEtcdctl {
  /** Resolves once etcdctl's stdout holds `text` (fails with `result` if it exits first). */
  printed(text: string): Promise<void>;
  readonly result: Promise<EtcdctlResult>;
}

/**
 * Starts etcdctl with `args` against `server` (`--dial-timeout=3s`, the command timeout of
 * `limits`: 5 s by default, killed after 10 s). `result` resolves with etcdctl's exit status,
 * failures included, and rejects only when it could not run or was killed.
 */
export function startEtcdctl(
  server: Server,
  args: readonly string[],
  limits: EtcdctlLimits = { commandTimeoutS: 5, killAfterMs: 10_000 },
): RunningEtcdctl {
  const flags = [
    `--endpoints=${clientEndpoint(server)}`,
    '--dial-timeout=3s',
    `--command-timeout=${limits.commandTimeoutS}s`,
  ];
  let stdout = '';
  const seen: { text: string; resolve: () => void }[] = [];
  const result = new Promise<EtcdctlResult>((resolve, reject) => {
    const child = execFile(
      '/usr/bin/etcdctl',
      [...flags, ...args],
      { env: { ...process.env, ETCDCTL_API: '3' }, timeout: limits.killAfterMs },
      (err, out, stderr) => {
        if (err !== null && typeof err.code !== 'number') {
          reject(new Error(err.message));
          return;
        }
        resolve({ code: err === null ? 0 : Number(err.code), out: out + stderr });
      },
    );
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      for (const w of seen.filter((x) => stdout.includes(x.text))) w.resolve();
    });
  });
  const printed = (text: string): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      if (stdout.includes(text)) resolve();
      else seen.push({ text, resolve });
      result.then((r) => {
        if (!r.out.includes(text)) reject(new Error(`etcdctl ended without "${text}": ${r.out}`));
      }, reject);
    });
  return { printed, result };
}

/** Runs etcdctl to its end (see `startEtcdctl`). */
export function etcdctl(
  server: Server,
  args: readonly string[],
  limits?: EtcdctlLimits,
): Promise<EtcdctlResult> {
  return startEtcdctl(server, args, limits).result;
}
