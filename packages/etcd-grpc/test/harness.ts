// Test harness: a real etcd API server on 127.0.0.1 (port 0) over a kv-mvcc store backend,
// and a runner for Debian's etcdctl 3.4 with explicit time limits.
import { execFile, spawn } from 'node:child_process';
import {
  createEtcdGrpcServer,
  type EtcdGrpcServer,
  type EtcdGrpcServerOptions,
} from '../src/index.js';
import { StoreBackend } from './store-backend.js';
import { messageType } from '../src/proto.js';

/** A running server and its backend. */
export interface TestServer {
  readonly backend: StoreBackend;
  readonly server: EtcdGrpcServer;
  readonly endpoint: string;
  close(): Promise<void>;
}

/** Starts a server over a fresh store backend on 127.0.0.1 and a free port. */
export async function startTestServer(
  opts: Omit<EtcdGrpcServerOptions, 'backend'> & { leaderId?: number } = {},
): Promise<TestServer> {
  const backend = await StoreBackend.open({ leaderId: opts.leaderId });
  const server = createEtcdGrpcServer({ ...opts, backend });
  const port = await server.listen('127.0.0.1', 0);
  return {
    backend,
    server,
    endpoint: `127.0.0.1:${port}`,
    close: async () => {
      server.close();
      await backend.close();
    },
  };
}

/** What one etcdctl run printed and how it exited. */
export interface CtlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `etcdctl --endpoints=<endpoint> ...args`, feeding `input` on stdin; 10 s at most. */
export function etcdctl(
  endpoint: string,
  args: readonly string[],
  input?: string,
): Promise<CtlResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'etcdctl',
      [`--endpoints=${endpoint}`, '--dial-timeout=3s', '--command-timeout=5s', ...args],
      { env: { ...process.env, ETCDCTL_API: '3' }, timeout: 10_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err !== null && typeof err.code !== 'number') {
          reject(new Error(`etcdctl did not run: ${err.message}`, { cause: err }));
          return;
        }
        resolve({ code: err === null ? 0 : (err.code as number), stdout, stderr });
      },
    );
    child.stdin?.end(input ?? '');
  });
}

/**
 * Runs a long-lived etcdctl command (watch) until its stdout (or stderr) contains `until`, then
 * ends it; resolves with what it printed; fails after `timeoutMs`.
 */
export function etcdctlUntil(
  endpoint: string,
  args: readonly string[],
  until: string,
): Promise<string> {
  const timeoutMs = 8_000;
  return new Promise((resolve, reject) => {
    const child = spawn('etcdctl', [`--endpoints=${endpoint}`, ...args], {
      env: { ...process.env, ETCDCTL_API: '3' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `etcdctl ${args.join(' ')} printed no "${until}" in ${timeoutMs} ms:\n${out}\n${err}`,
        ),
      );
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes(until)) {
        clearTimeout(timer);
        child.kill('SIGTERM');
        resolve(out);
      }
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes(until)) {
        clearTimeout(timer);
        child.kill('SIGTERM');
        resolve(out + err);
      }
    });
  });
}

/** A long-lived etcdctl child (a campaign, a lock holder) that the test ends by its pid. */
export interface EtcdctlChild {
  /** Resolves when its stdout contains `text`; rejects after 8 s. */
  printed(text: string): Promise<string>;
  /** Ends the child (SIGTERM) and resolves when it has exited. */
  stop(): Promise<void>;
}

/** Starts `etcdctl --endpoints=<endpoint> ...args` and leaves it running. */
export function startEtcdctl(endpoint: string, args: readonly string[]): EtcdctlChild {
  const child = spawn('etcdctl', [`--endpoints=${endpoint}`, ...args], {
    env: { ...process.env, ETCDCTL_API: '3' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      resolve();
    });
  });
  return {
    printed: (text) =>
      new Promise((resolve, reject) => {
        const started = Date.now();
        const check = (): void => {
          if (out.includes(text)) resolve(out);
          else if (Date.now() - started > 8_000) reject(new Error(`no "${text}" in 8 s: ${out}`));
          else child.stdout.once('data', check);
        };
        check();
      }),
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** `obj` as the protobuf bytes of message `type` (e.g. `etcdserverpb.PutRequest`). */
export function encodeMessage(type: string, obj: Record<string, unknown>): Buffer {
  const m = messageType(type);
  return Buffer.from(m.encode(m.fromObject(obj)).finish());
}
