// Goal: three `keel` processes started from etcd-style flags form a cluster that etcdctl uses
// like etcd: a write through one member is read through another, every endpoint reports healthy,
// and SIGTERM stops each member cleanly (exit 0, no process left).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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

function etcdctl(endpoints: string[], ...args: string[]) {
  return run('etcdctl', [`--endpoints=${endpoints.join(',')}`, '--command-timeout=5s', ...args], {
    env: { ...process.env, ETCDCTL_API: '3' },
  });
}

function startMember(name: string, ports: { client: number; peer: number }, cluster: string) {
  const client = `http://127.0.0.1:${ports.client}`;
  const peer = `http://127.0.0.1:${ports.peer}`;
  const child = spawn(
    process.execPath,
    [
      bin,
      `--name=${name}`,
      `--data-dir=${join(dir, name)}`,
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

async function allHealthy(endpoints: string[], deadlineMs: number): Promise<void> {
  // Waits for the cluster to elect a leader: a bounded readiness wait, not a retried assertion.
  const until = performance.now() + deadlineMs;
  for (;;) {
    const ok = await etcdctl(endpoints, 'endpoint', 'health').then(
      () => true,
      () => false,
    );
    if (ok) return;
    if (performance.now() > until) throw new Error('cluster not healthy in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('keel cluster', () => {
  it('serves etcdctl from three members started with etcd flags, and stops on SIGTERM', async () => {
    const ports = await Promise.all(
      [0, 1, 2].map(async () => ({ client: await freePort(), peer: await freePort() })),
    );
    const names = ['m1', 'm2', 'm3'];
    const cluster = names.map((n, i) => `${n}=http://127.0.0.1:${ports[i]!.peer}`).join(',');
    const members = names.map((n, i) => startMember(n, ports[i]!, cluster));
    await Promise.all(members.map((m) => m.serving));
    const endpoints = members.map((m) => m.client);
    await allHealthy(endpoints, 30_000);

    expect((await etcdctl([endpoints[1]!], 'put', 'greeting', 'hello')).stdout.trim()).toBe('OK');
    const got = await etcdctl([endpoints[2]!], 'get', 'greeting', '--print-value-only');
    expect(got.stdout.trim()).toBe('hello');
    const list = await etcdctl([endpoints[0]!], 'member', 'list');
    expect(
      list.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(', ')[2])
        .sort(),
    ).toEqual(names);

    for (const m of members) m.child.kill('SIGTERM');
    expect(await Promise.all(members.map((m) => m.exited))).toEqual([0, 0, 0]);
  }, 90_000);
});
