// Goal: three `keel` processes started from etcd-style flags form a cluster that etcdctl uses
// like etcd: a write through one member is read through another, every endpoint reports healthy,
// and SIGTERM stops each member cleanly (exit 0, no process left); a member removed with
// `etcdctl member remove` exits by itself with status 0, as etcd does. Then the same with etcd's
// eight TLS flags: https clients with client-cert auth and https peers with mutual TLS, served
// to etcdctl with --cacert/--cert/--key (certificates made with openssl at test time).
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from '@keel/bench-kit';
import { afterAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../bin/keel.js', import.meta.url));
const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'keel-cluster-'));
const children: ChildProcess[] = [];

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** Where etcdctl connects: endpoints, and its TLS flags (`--cacert` ...) when https. */
interface Target {
  readonly endpoints: readonly string[];
  readonly tls: readonly string[];
}

function etcdctl(target: Target, ...args: string[]) {
  const flags = [`--endpoints=${target.endpoints.join(',')}`, '--command-timeout=5s'];
  return run('etcdctl', [...flags, ...target.tls, ...args], {
    env: { ...process.env, ETCDCTL_API: '3' },
  });
}

/** The ports, scheme and extra flags of one member. */
interface MemberSpec {
  readonly ports: { readonly client: number; readonly peer: number };
  readonly scheme: 'http' | 'https';
  readonly flags: readonly string[];
}

function startMember(name: string, spec: MemberSpec, cluster: string) {
  const client = `${spec.scheme}://127.0.0.1:${spec.ports.client}`;
  const peer = `${spec.scheme}://127.0.0.1:${spec.ports.peer}`;
  const child = spawn(
    process.execPath,
    [
      bin,
      ...spec.flags,
      `--name=${name}`,
      `--data-dir=${join(dir, spec.scheme, name)}`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=${cluster}`,
      '--initial-cluster-token=keel-test',
      '--log-level=error',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  children.push(child);
  let stderr = '';
  const serving = new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      if (stderr.includes('serving clients')) resolve();
    });
    child.once('exit', (code) => {
      reject(new Error(`${name} exited ${code}: ${stderr}`));
    });
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      resolve(code);
    }),
  );
  return { client, child, serving, exited };
}

async function allHealthy(target: Target, deadlineMs: number): Promise<void> {
  // Waits for the cluster to elect a leader: a bounded readiness wait, not a retried assertion.
  const until = performance.now() + deadlineMs;
  for (;;) {
    const ok = await etcdctl(target, 'endpoint', 'health').then(
      () => true,
      () => false,
    );
    if (ok) return;
    if (performance.now() > until) throw new Error('cluster not healthy in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * `etcdctl member remove id`, repeated (bounded) while the strict reconfig check answers that
 * the members have not been connected for 5 s yet.
 */
async function removeMember(target: Target, id: string): Promise<void> {
  const until = performance.now() + 30_000;
  for (;;) {
    try {
      await etcdctl(target, 'member', 'remove', id);
      return;
    } catch (e) {
      const refused = e instanceof Error && e.message.includes('unhealthy cluster');
      if (!refused || performance.now() > until) throw e;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * Starts m1..m3 with `flagsOf(name)`, waits until etcdctl (with `etcdctlTls`) finds every
 * endpoint healthy, checks a write through one member is read through another, the member
 * list and `whileUp`, then stops them all with SIGTERM and expects exit 0.
 */
async function checkCluster(opts: {
  scheme: 'http' | 'https';
  flagsOf: (name: string) => readonly string[];
  etcdctlTls: readonly string[];
  whileUp?: (
    endpoints: readonly string[],
    exited: readonly Promise<number | null>[],
  ) => Promise<void>;
}): Promise<void> {
  const { scheme, flagsOf } = opts;
  const ports = await Promise.all(
    [0, 1, 2].map(async () => ({ client: await freePort(), peer: await freePort() })),
  );
  const names = ['m1', 'm2', 'm3'];
  const cluster = names.map((n, i) => `${n}=${scheme}://127.0.0.1:${ports[i]!.peer}`).join(',');
  const members = names.map((n, i) =>
    startMember(n, { ports: ports[i]!, scheme, flags: flagsOf(n) }, cluster),
  );
  await Promise.all(members.map((m) => m.serving));
  const endpoints = members.map((m) => m.client);
  const on = (...e: string[]): Target => ({ endpoints: e, tls: opts.etcdctlTls });
  await allHealthy(on(...endpoints), 30_000);

  expect((await etcdctl(on(endpoints[1]!), 'put', 'greeting', 'hello')).stdout.trim()).toBe('OK');
  const got = await etcdctl(on(endpoints[2]!), 'get', 'greeting', '--print-value-only');
  expect(got.stdout.trim()).toBe('hello');
  const list = await etcdctl(on(endpoints[0]!), 'member', 'list');
  expect(
    list.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(', ')[2])
      .sort(),
  ).toEqual(names);
  await opts.whileUp?.(
    endpoints,
    members.map((m) => m.exited),
  );

  for (const m of members) m.child.kill('SIGTERM');
  expect(await Promise.all(members.map((m) => m.exited))).toEqual([0, 0, 0]);
}

/** Makes, in `dir/tls`, a CA and certificates m1..m3 and client for 127.0.0.1. */
function makeCerts(): string {
  const tls = join(dir, 'tls');
  mkdirSync(tls);
  const script = fileURLToPath(new URL('../../../scripts/make-test-certs.sh', import.meta.url));
  execFileSync('bash', [script, tls, 'ca', 'm1', 'm2', 'm3', 'client'], { stdio: 'ignore' });
  return tls;
}

describe('keel cluster', () => {
  it('serves etcdctl from three members started with etcd flags, and stops on SIGTERM', async () => {
    await checkCluster({
      scheme: 'http',
      flagsOf: () => [],
      etcdctlTls: [],
      whileUp: async (endpoints, exited) => {
        const on = { endpoints: [endpoints[0]!], tls: [] };
        const m3 = (await etcdctl(on, 'member', 'list')).stdout
          .split('\n')
          .find((l) => l.split(', ')[2] === 'm3')
          ?.split(', ')[0];
        await removeMember(on, m3 ?? '');
        expect(await exited[2]).toBe(0);
      },
    });
  }, 90_000);

  it('does the same over TLS: https clients with cert auth, peers with mutual TLS', async () => {
    const tls = makeCerts();
    const ca = join(tls, 'ca.crt');
    const cert = (name: string): string[] => [
      `--cert=${join(tls, `${name}.crt`)}`,
      `--key=${join(tls, `${name}.key`)}`,
    ];
    await checkCluster({
      scheme: 'https',
      flagsOf: (name) => [
        `--cert-file=${join(tls, `${name}.crt`)}`,
        `--key-file=${join(tls, `${name}.key`)}`,
        `--trusted-ca-file=${ca}`,
        '--client-cert-auth',
        `--peer-cert-file=${join(tls, `${name}.crt`)}`,
        `--peer-key-file=${join(tls, `${name}.key`)}`,
        `--peer-trusted-ca-file=${ca}`,
        '--peer-client-cert-auth',
      ],
      etcdctlTls: [`--cacert=${ca}`, ...cert('client')],
      // The same call without a client certificate is refused (client-cert auth is on).
      whileUp: async (endpoints) => {
        const noCert = { endpoints: [endpoints[0]!], tls: [`--cacert=${ca}`] };
        await expect(etcdctl(noCert, 'get', 'greeting')).rejects.toThrow();
      },
    });
  }, 90_000);
});
