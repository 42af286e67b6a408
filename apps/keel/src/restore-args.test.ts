// Goal: `keel snapshot restore` takes etcdutl's flags and refuses what etcdutl refuses (argument
// count, --data-dir, --bump-revision without --mark-compacted, a cluster that does not list the
// member, a used data dir, a missing snapshot), checks the file's sha256 trailer as etcdutl does,
// and hands a checked request on to the restore. Method: real files and directories in a temp
// dir; the command run in-process.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKeel } from './cli.js';
import { isKeelError } from './errors.js';
import { parseRestoreArgs, restoreUsageText } from './restore-args.js';

let dir = '';
let snap = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'keel-restore-'));
  snap = join(dir, 'snap.db');
  writeFileSync(snap, 'not a real snapshot; only its existence is checked');
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function failure(argv: readonly string[]): string {
  try {
    parseRestoreArgs(argv);
  } catch (e) {
    if (isKeelError(e)) return `${e.code}: ${e.message}`;
    throw e;
  }
  return 'no error';
}

describe('parseRestoreArgs', () => {
  it("fills in etcdutl's defaults around the required --data-dir", () => {
    const dataDir = join(dir, 'fresh');
    expect(parseRestoreArgs([snap, '--data-dir', dataDir])).toEqual({
      kind: 'restore',
      options: {
        snapshotPath: snap,
        dataDir,
        walDir: join(dataDir, 'member', 'wal'),
        name: 'default',
        initialCluster: 'default=http://localhost:2380',
        initialClusterToken: 'etcd-cluster',
        initialAdvertisePeerUrls: ['http://localhost:2380'],
        skipHashCheck: false,
        initialMemoryMapSizeBytes: 10737418240,
        bumpRevision: 0,
        markCompacted: false,
      },
    });
  });

  it('takes every flag, before or after the file', () => {
    const dataDir = join(dir, 'm1');
    const c = parseRestoreArgs([
      '--name=m1',
      `--data-dir=${dataDir}`,
      '--wal-dir',
      join(dir, 'wal1'),
      '--initial-cluster',
      'm1=http://127.0.0.1:12380,m2=http://127.0.0.1:22380',
      '--initial-cluster-token=restored',
      snap,
      '--initial-advertise-peer-urls=http://127.0.0.1:12380',
      '--skip-hash-check',
      '--initial-memory-map-size=0',
      '--bump-revision=1000',
      '--mark-compacted',
    ]);
    expect(c).toEqual({
      kind: 'restore',
      options: {
        snapshotPath: snap,
        dataDir,
        walDir: join(dir, 'wal1'),
        name: 'm1',
        initialCluster: 'm1=http://127.0.0.1:12380,m2=http://127.0.0.1:22380',
        initialClusterToken: 'restored',
        initialAdvertisePeerUrls: ['http://127.0.0.1:12380'],
        skipHashCheck: true,
        initialMemoryMapSizeBytes: 0,
        bumpRevision: 1000,
        markCompacted: true,
      },
    });
  });

  it('answers --help with its own usage, listing every flag', () => {
    const c = parseRestoreArgs(['--help']);
    expect(c).toEqual({ kind: 'restore-help', text: restoreUsageText() });
    for (const name of ['data-dir', 'wal-dir', 'name', 'initial-cluster', 'bump-revision']) {
      expect(restoreUsageText()).toContain(`  --${name} '`);
    }
  });

  it("refuses the wrong arguments with etcdutl's messages", () => {
    const d = `--data-dir=${join(dir, 'x')}`;
    expect(failure([d])).toBe('BAD_ARGS: snapshot restore requires exactly one argument');
    expect(failure([snap, snap, d])).toBe(
      'BAD_ARGS: snapshot restore requires exactly one argument',
    );
    expect(failure([snap])).toBe('BAD_ARGS: required flag(s) "data-dir" not set');
    const pairing =
      'BAD_ARGS: --mark-compacted is required with --bump-revision > 0, and refused without it';
    expect(failure([snap, d, '--bump-revision=5'])).toBe(pairing);
    expect(failure([snap, d, '--mark-compacted'])).toBe(pairing);
    expect(failure([snap, d, '--no-such'])).toBe('UNKNOWN_FLAG: unknown flag: --no-such');
    expect(failure([snap, d, '--bump-revision=-1'])).toBe(
      'BAD_FLAG_VALUE: invalid argument "-1" for "--bump-revision" flag: parse error',
    );
  });

  it('refuses a cluster that does not list this member at its peer URLs', () => {
    const d = `--data-dir=${join(dir, 'y')}`;
    expect(failure([snap, d, '--name=m9'])).toBe(
      'INVALID_CONFIG: invalid config initialCluster: has no member named "m9" (the name option)',
    );
    expect(failure([snap, d, '--initial-advertise-peer-urls=http://127.0.0.1:9999'])).toMatch(
      /^INVALID_CONFIG: .*missing from --initial-advertise-peer-urls/,
    );
    expect(failure([snap, d, '--initial-cluster=default'])).toMatch(
      /^INVALID_CONFIG: invalid config initialCluster: "default" is not name=url/,
    );
  });

  it('refuses a missing snapshot, a directory as snapshot, and a data dir in use', () => {
    const d = `--data-dir=${join(dir, 'z')}`;
    expect(failure([join(dir, 'none.db'), d])).toMatch(
      /^INVALID_CONFIG: snapshot file ".*none\.db" cannot be read \(ENOENT/,
    );
    expect(failure([dir, d])).toMatch(/^INVALID_CONFIG: snapshot file ".*" is not a regular file$/);
    const used = join(dir, 'used');
    mkdirSync(used);
    writeFileSync(join(used, 'x'), '');
    expect(failure([snap, `--data-dir=${used}`])).toBe(
      `INVALID_CONFIG: data-dir "${used}" not empty or could not be read`,
    );
    expect(failure([snap, `--data-dir=${snap}`])).toBe(
      `INVALID_CONFIG: data-dir "${snap}" not empty or could not be read`,
    );
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    expect(parseRestoreArgs([snap, `--data-dir=${empty}`]).kind).toBe('restore');
  });
});

describe('keel snapshot restore', () => {
  it("checks the sha256 trailer as etcdutl, then hands the request on with the data's length", () => {
    const data = Buffer.alloc(1024, 7);
    const hashed = join(dir, 'hashed.db');
    writeFileSync(hashed, Buffer.concat([data, createHash('sha256').update(data).digest()]));
    const run = (file: string, ...flags: string[]): { outcome: unknown; err: string[] } => {
      const err: string[] = [];
      const io = { stdout: () => undefined, stderr: (l: string) => err.push(l) };
      const argv = ['snapshot', 'restore', file, '--data-dir', join(dir, 'new'), ...flags];
      return { outcome: runKeel(argv, {}, io), err };
    };
    const ok = run(hashed).outcome;
    expect(ok).toMatchObject({ restore: { snapshotPath: hashed, snapshotBytes: 1024 } });
    const damaged = join(dir, 'damaged.db');
    const bytes = readFileSync(hashed);
    bytes[10] = 8;
    writeFileSync(damaged, bytes);
    const bad = run(damaged);
    expect(bad.outcome).toEqual({ exitCode: 1 });
    expect(bad.err[0]).toMatch(/^keel: expected sha256 [0-9a-f]{64}, got [0-9a-f]{64}$/);
    expect(run(damaged, '--skip-hash-check').outcome).toMatchObject({
      restore: { snapshotBytes: 1024 },
    });
    expect(run(snap, '--skip-hash-check').outcome).toMatchObject({
      restore: { snapshotBytes: readFileSync(snap).length },
    });
    expect(run(snap).err).toEqual(['keel: snapshot missing hash but --skip-hash-check=false']);
  });

  it('prints its usage on --help, exit 0', () => {
    const out: string[] = [];
    const outcome = runKeel(
      ['snapshot', 'restore', '--help'],
      {},
      {
        stdout: (l) => out.push(l),
        stderr: () => undefined,
      },
    );
    expect(outcome).toEqual({ exitCode: 0 });
    expect(out).toEqual([restoreUsageText()]);
  });
});
