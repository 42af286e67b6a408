// Goal: `keel snapshot restore` turns a file saved with `etcdctl snapshot save` from a keel member
// into a data directory a new member starts from, as etcdutl does: the keys read back with
// etcdctl, the member has the new identity from the restore's flags, and it takes writes.
// Method: real `keel` processes on loopback, Debian's etcdctl, real files in a temp dir; waits
// are bounded (process output and a health check with a deadline).
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
const dir = mkdtempSync(join(tmpdir(), 'keel-restore-'));
const children: ChildProcess[] = [];

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function etcdctl(endpoint: string, ...args: string[]) {
  return run('etcdctl', [`--endpoints=${endpoint}`, '--command-timeout=5s', ...args], {
    env: { ...process.env, ETCDCTL_API: '3' },
  });
}

function keel(...args: string[]) {
  return run(process.execPath, [bin, ...args], { timeout: 60_000 });
}

/** Starts a one-member keel on `dataDir`; resolves once it serves clients. */
async function startMember(o: { name: string; dataDir: string; token: string; peerPort?: number }) {
  const { name, dataDir, token } = o;
  const [clientPort, peerPort] = [await freePort(), o.peerPort ?? (await freePort())];
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const child = spawn(
    process.execPath,
    [
      bin,
      `--name=${name}`,
      `--data-dir=${dataDir}`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=${name}=${peer}`,
      `--initial-cluster-token=${token}`,
      '--log-level=error',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  children.push(child);
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      if (stderr.includes('serving clients')) resolve();
    });
    child.once('exit', (code) => {
      reject(new Error(`${name} exited ${code}: ${stderr}`));
    });
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { client, peer, child, exited };
}

async function stop(m: { child: ChildProcess; exited: Promise<number | null> }) {
  m.child.kill('SIGTERM');
  expect(await m.exited).toBe(0);
}

describe('keel snapshot restore', () => {
  it('restores an etcdctl snapshot into a new member that serves every key', async () => {
    const source = await startMember({
      name: 'src',
      dataDir: join(dir, 'src'),
      token: 'old-cluster',
    });
    for (let i = 0; i < 20; i++) await etcdctl(source.client, 'put', `key-${i}`, `value-${i}`);
    await etcdctl(source.client, 'del', 'key-0');
    const file = join(dir, 'backup.db');
    await etcdctl(source.client, 'snapshot', 'save', file);
    const last = await etcdctl(source.client, 'get', 'key-1', '-w', 'json');
    const sourceId = (JSON.parse(last.stdout) as { header: { member_id: string } }).header
      .member_id;
    await stop(source);

    const peerPort = await freePort();
    const peer = `http://127.0.0.1:${peerPort}`;
    const dataDir = join(dir, 'restored');
    const restored = await keel(
      'snapshot',
      'restore',
      file,
      `--data-dir=${dataDir}`,
      '--name=r1',
      `--initial-cluster=r1=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      '--initial-cluster-token=new-cluster',
    );
    expect(restored.stderr).toMatch(/restored snapshot .* at revision 22 into data-dir/);
    const again = await keel('snapshot', 'restore', file, `--data-dir=${dataDir}`).then(
      () => ({ code: 0, stderr: '' }),
      (e: unknown) => e as { code: number; stderr: string },
    );
    expect([again.code, again.stderr]).toEqual([
      1,
      `keel: data-dir "${dataDir}" not empty or could not be read\n`,
    ]);

    const member = await startMember({ name: 'r1', dataDir, token: 'new-cluster', peerPort });
    const got = await etcdctl(member.client, 'get', 'key-', '--prefix');
    const lines = got.stdout.trim().split('\n');
    const pairs = new Map<string, string>();
    for (let i = 0; i + 1 < lines.length; i += 2) pairs.set(lines[i] ?? '', lines[i + 1] ?? '');
    expect(pairs.size).toBe(19);
    for (let i = 1; i < 20; i++) expect(pairs.get(`key-${i}`)).toBe(`value-${i}`);
    expect((await etcdctl(member.client, 'put', 'after', 'restore')).stdout.trim()).toBe('OK');
    const after = await etcdctl(member.client, 'get', 'after', '-w', 'json');
    const header = (JSON.parse(after.stdout) as { header: { revision: number; member_id: string } })
      .header;
    expect(header.revision).toBe(23);
    expect(header.member_id).not.toBe(sourceId);
    await stop(member);
  }, 120_000);
});
