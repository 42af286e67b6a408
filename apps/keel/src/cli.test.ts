// Goal: the `keel` command prints what etcd would print and exits with etcd's status for each
// outcome: help and version (0), a resolved config on --dry-run (0), each error code with its
// status and a message naming the flag, and notes filtered by --log-level. Method: run the real
// command in-process with captured output.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKeel } from './cli.js';
import type { Env } from './env.js';
import { keelErrorCodes } from './errors.js';
import type { KeelErrorCode } from './errors.js';
import { flagSections, flagTable } from './flag-table.js';
import { versionText } from './version.js';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function keel(argv: readonly string[], env: Env = {}): Run {
  const out: string[] = [];
  const err: string[] = [];
  const outcome = runKeel(argv, env, { stdout: (l) => out.push(l), stderr: (l) => err.push(l) });
  // -1: the command would start a member (tests here stop short of serving).
  const code = 'exitCode' in outcome ? outcome.exitCode : -1;
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'keel-cli-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('keel --help and --version', () => {
  it('prints every flag with its default, section by section in order', () => {
    const r = keel(['--help']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.startsWith('Usage:\n\n  keel [flags]\n')).toBe(true);
    for (const d of flagTable) expect(r.stdout).toContain(`\n  --${d.name} '${d.defaultText}'\n`);
    const at = flagSections.map((s) => r.stdout.indexOf(`\n${s}:\n`));
    expect(at.every((i) => i > 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(r.stdout).toContain(
      "  --enable-pprof 'false'\n    Serve Go's profiler under /debug/pprof. (accepted for etcd compatibility; no effect in keel)",
    );
    expect(r.stdout).toContain(
      "  --force-new-cluster 'false'\n    Restart as a new one-member cluster. (not supported by keel: only etcd's default is accepted)",
    );
    expect(keel(['-h']).stdout).toBe(r.stdout);
  });

  it("prints the version in etcd's layout", () => {
    expect(keel(['--version'])).toEqual({ code: 0, stdout: versionText(), stderr: '' });
  });
});

describe('keel (member)', () => {
  const cluster = [
    '--name=n1',
    '--listen-client-urls=http://127.0.0.1:12379',
    '--advertise-client-urls=http://127.0.0.1:12379',
    '--listen-peer-urls=http://127.0.0.1:12380',
    '--initial-advertise-peer-urls=http://127.0.0.1:12380',
    '--initial-cluster=n1=http://127.0.0.1:12380,n2=http://127.0.0.1:22380',
  ];

  it('prints the resolved config as JSON on --dry-run, defaults filled in', () => {
    const r = keel([...cluster, '--dry-run'], { ETCD_SNAPSHOT_COUNT: '500' });
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(json).toMatchObject({
      name: 'n1',
      dataDir: 'n1.etcd',
      walDir: join('n1.etcd', 'member', 'wal'),
      listenClientUrls: ['http://127.0.0.1:12379'],
      initialCluster: { n1: ['http://127.0.0.1:12380'], n2: ['http://127.0.0.1:22380'] },
      clusterState: 'new',
      tickMs: 100,
      electionMs: 1000,
      snapshotCount: 500,
      preVote: true,
      autoCompaction: { mode: 'off' },
    });
    expect(r.stderr).toBe(
      'keel: info: recognized and used environment variable ETCD_SNAPSHOT_COUNT=500',
    );
  });

  it('hands a valid member config on to be served, with its name and log level', () => {
    const outcome = runKeel(cluster, {}, { stdout: () => undefined, stderr: () => undefined });
    expect(outcome).toMatchObject({ name: 'n1', logLevel: 'info' });
    expect('serve' in outcome && outcome.serve.initialCluster).toBe(
      'n1=http://127.0.0.1:12380,n2=http://127.0.0.1:22380',
    );
  });

  it('prints notes at or above --log-level only', () => {
    const quiet = keel(['--dry-run', '--logger=zap'], { ETCD_NO_SUCH: 'x' });
    expect(quiet.stderr).toBe('keel: warn: unrecognized environment variable ETCD_NO_SUCH=x');
    const loud = keel(['--dry-run', '--logger=zap', '--log-level=debug']);
    expect(loud.stderr).toBe(
      'keel: debug: --logger=zap is accepted for etcd compatibility and has no effect in keel',
    );
    const silent = keel(['--dry-run', '--log-level=error'], { ETCD_NO_SUCH: 'x' });
    expect(silent.stderr).toBe('');
  });

  it("passes embed's rules through with etcd's messages, exit 1", () => {
    const r = keel(['--heartbeat-interval=300', '--election-timeout=1000']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'keel: invalid config electionMs: --election-timeout[1000ms] should be at least as 5 times as --heartbeat-interval[300ms]',
    );
    const lonely = keel(['--listen-client-urls=http://127.0.0.1:2379']);
    expect(lonely.stderr).toBe(
      'keel: invalid config advertiseClientUrls: --advertise-client-urls is required when --listen-client-urls is set explicitly',
    );
    expect(keel(['--name=n9', '--initial-cluster=n1=http://127.0.0.1:2380']).stderr).toBe(
      'keel: invalid config initialCluster: has no member named "n9" (the name option)',
    );
    expect(keel(['--experimental-enable-lease-checkpoint-persist']).stderr).toBe(
      'keel: invalid config leaseCheckpointPersist: setting experimental-enable-lease-checkpoint-persist requires experimental-enable-lease-checkpoint',
    );
    expect(keel(['--lease-checkpoint-interval=0s']).stderr).toBe(
      'keel: invalid config leaseCheckpointIntervalMs: must be an integer > 0, got 0',
    );
  });

  it("resolves lease checkpoints: off with etcd's 5 minutes by default, on with the flags", () => {
    const off = JSON.parse(keel(['--dry-run']).stdout) as Record<string, unknown>;
    expect(off).toMatchObject({
      enableLeaseCheckpoint: false,
      leaseCheckpointPersist: false,
      leaseCheckpointIntervalMs: 300_000,
    });
    const on = keel([
      '--dry-run',
      '--experimental-enable-lease-checkpoint',
      '--experimental-enable-lease-checkpoint-persist',
      '--lease-checkpoint-interval=1m30s',
    ]);
    expect(JSON.parse(on.stdout) as Record<string, unknown>).toMatchObject({
      enableLeaseCheckpoint: true,
      leaseCheckpointPersist: true,
      leaseCheckpointIntervalMs: 90_000,
    });
  });
});

const path = (name: string) => join(dir, name);

/** One command line per error code, with the exit status etcd uses for it. */
// A valid restore request whose file has no sha256 trailer (etcdutl refuses it without
// --skip-hash-check).
const noHashDir = mkdtempSync(join(tmpdir(), 'keel-cli-restore-'));
const noHashSnapshot = join(noHashDir, 'snap.db');
const noHashDataDir = join(noHashDir, 'new');
writeFileSync(noHashSnapshot, '');
afterAll(() => {
  rmSync(noHashDir, { recursive: true, force: true });
});

const triggers: Readonly<Record<KeelErrorCode, { argv: string[]; env?: Env; stderr: RegExp }>> = {
  UNKNOWN_FLAG: {
    argv: ['--no-such-flag'],
    stderr: /^keel: flag provided but not defined: -no-such-flag\nRun 'keel --help'/,
  },
  BAD_FLAG_VALUE: {
    argv: ['--election-timeout=soon'],
    stderr: /^keel: invalid value "soon" for flag -election-timeout: parse error\nRun/,
  },
  UNSUPPORTED_FLAG: {
    argv: ['--auto-tls'],
    stderr: /^keel: --auto-tls=true: keel does not implement/,
  },
  NOT_A_FLAG: { argv: ['--pre-vote', 'false'], stderr: /^keel: "false" is not a valid flag/ },
  BAD_ENV_VALUE: {
    argv: [],
    env: { ETCD_MAX_TXN_OPS: 'many' },
    stderr: /^keel: invalid value "many" for ETCD_MAX_TXN_OPS/,
  },
  ENV_CONFLICT: {
    argv: ['--name=a'],
    env: { ETCD_NAME: 'b' },
    stderr: /^keel: conflicting environment variable "ETCD_NAME"/,
  },
  CONFIG_FILE: {
    argv: ['--config-file', path('none.yaml')],
    stderr: /^keel: --config-file ".*none\.yaml": cannot be read/,
  },
  INVALID_CONFIG: {
    argv: ['--cert-file=/c'],
    stderr: /^keel: --cert-file and --key-file must be set together$/,
  },
  BAD_ARGS: {
    argv: ['snapshot', 'restore'],
    stderr: /^keel: snapshot restore requires exactly one argument$/,
  },
  SNAPSHOT_INVALID: {
    argv: ['snapshot', 'restore', noHashSnapshot, '--data-dir', noHashDataDir],
    stderr: /^keel: snapshot missing hash but --skip-hash-check=false$/,
  },
};

describe('keel exit statuses', () => {
  it.each(Object.entries(triggers))('%s exits with its status and says why', (code, t) => {
    const r = keel(t.argv, t.env);
    expect(r.code).toBe(keelErrorCodes[code as KeelErrorCode].exitCode);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(t.stderr);
  });

  it("uses etcd's statuses: 2 for flag syntax, 1 for config, 128 for restore's arguments", () => {
    expect(keel(['--no-such-flag']).code).toBe(2);
    expect(keel(['--snapshot-count=x']).code).toBe(2);
    expect(keel(['--pre-vote', 'false']).code).toBe(1);
    expect(keel(['--name=a'], { ETCD_NAME: 'b' }).code).toBe(1);
    expect(keel(['snapshot', 'restore']).code).toBe(128);
  });

  it('reads the config file named by the flag, and ignores other flags then', () => {
    const file = path('member.yaml');
    writeFileSync(file, 'name: from-file\nlisten-client-urls: http://127.0.0.1:2379\n');
    const r = keel(['--config-file', file, '--dry-run', '--name=ignored']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(json).toMatchObject({
      name: 'from-file',
      listenClientUrls: ['http://127.0.0.1:2379'],
      advertiseClientUrls: ['http://localhost:2379'],
    });
  });
});
