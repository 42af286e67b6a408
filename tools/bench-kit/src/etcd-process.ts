import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

/** A real etcd member started for a comparison or a test, on 127.0.0.1. */
export interface EtcdProcess {
  readonly clientUrl: string;
  readonly pid: number;
  readonly dataDir: string;
  /** Stops the process (SIGTERM, then SIGKILL after `graceMs`) and removes its data directory. */
  stop(graceMs?: number): Promise<void>;
}

/** Options for `startEtcd`. */
export interface StartEtcdOptions {
  /** The etcd binary; default `/usr/bin/etcd` (Debian's etcd-server). */
  readonly binary?: string;
  readonly tickMs?: number;
  readonly electionMs?: number;
  /** How long to wait for /health to answer healthy. */
  readonly readyTimeoutMs?: number;
}

async function waitHealthy(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last = 'no answer yet';
  // A bounded readiness poll: etcd has no "ready" signal on stdout we can rely on across versions.
  while (performance.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`etcd exited with code ${child.exitCode} before it was healthy`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (e) {
      last = String(e);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`etcd at ${url} was not healthy within ${timeoutMs} ms (${last})`);
}

function stopper(child: ChildProcess, dataDir: string) {
  return async (graceMs = 5000): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) =>
        child.once('exit', () => {
          resolve();
        }),
      );
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }
    await rm(dataDir, { recursive: true, force: true });
  };
}

/**
 * Starts a single-member etcd in a fresh temporary data directory on free loopback ports and
 * resolves once it answers /health. Its output is discarded unless it fails to start.
 */
export async function startEtcd(options: StartEtcdOptions = {}): Promise<EtcdProcess> {
  const dataDir = await mkdtemp(join(tmpdir(), 'etcd-'));
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const clientUrl = `http://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const args = [
    '--name=bench',
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${clientUrl}`,
    `--advertise-client-urls=${clientUrl}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=bench=${peerUrl}`,
    `--heartbeat-interval=${options.tickMs ?? 100}`,
    `--election-timeout=${options.electionMs ?? 1000}`,
    '--log-level=error',
    '--logger=zap',
  ];
  const child = spawn(options.binary ?? '/usr/bin/etcd', args, {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const stop = stopper(child, dataDir);
  try {
    await waitHealthy(clientUrl, child, options.readyTimeoutMs ?? 15_000);
  } catch (e) {
    await stop(0);
    throw new Error(`${(e as Error).message}\netcd said: ${stderr}`, { cause: e });
  }
  return { clientUrl, pid: child.pid ?? -1, dataDir, stop };
}
