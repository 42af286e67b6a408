// Goal: every etcd flag keel implements reaches the same ServerConfig field whether it comes from
// the command line, its ETCD_* variable or the config file; accepted-only flags change nothing
// and leave a debug note; unsupported flags take only etcd's default. Method: a case per flag,
// checked against the flag table so a new flag cannot go untested; real files in a temp dir.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseKeelCommand } from './command.js';
import type { Env } from './env.js';
import { isKeelError } from './errors.js';
import type { FlagDef } from './flag-table.js';
import { flagTable, flagToEnv } from './flag-table.js';
import type { MemberOptions } from './member-options.js';

let dir = '';
let fileCount = 0;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'keel-command-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function yamlFile(doc: unknown): string {
  fileCount += 1;
  const path = join(dir, `c${fileCount}.yaml`);
  writeFileSync(path, typeof doc === 'string' ? doc : stringify(doc));
  return path;
}

function member(argv: readonly string[], env: Env = {}): MemberOptions {
  const c = parseKeelCommand(argv, env);
  if (c.kind !== 'member') throw new Error(`expected a member command, got ${c.kind}`);
  return c.options;
}

function failure(argv: readonly string[], env: Env = {}): string {
  try {
    parseKeelCommand(argv, env);
  } catch (e) {
    if (isKeelError(e)) return `${e.code}: ${e.message}`;
    throw e;
  }
  return 'no error';
}

interface Case {
  readonly flag: string;
  readonly text: string;
  readonly yaml: unknown;
  readonly config: Record<string, unknown>;
}

const url1 = 'http://127.0.0.1:12379';
const url2 = 'http://127.0.0.1:12380';

const cases: readonly Case[] = [
  { flag: 'name', text: 'n1', yaml: 'n1', config: { name: 'n1' } },
  { flag: 'data-dir', text: '/srv/d', yaml: '/srv/d', config: { dataDir: '/srv/d' } },
  { flag: 'wal-dir', text: '/srv/w', yaml: '/srv/w', config: { walDir: '/srv/w' } },
  { flag: 'snapshot-count', text: '500', yaml: 500, config: { snapshotCount: 500 } },
  {
    flag: 'snapshot-catchup-entries',
    text: '50',
    yaml: 50,
    config: { snapshotCatchUpEntries: 50 },
  },
  {
    flag: 'experimental-snapshot-catchup-entries',
    text: '60',
    yaml: 60,
    config: { snapshotCatchUpEntries: 60 },
  },
  { flag: 'heartbeat-interval', text: '50', yaml: 50, config: { tickMs: 50 } },
  { flag: 'election-timeout', text: '600', yaml: 600, config: { electionMs: 600 } },
  { flag: 'listen-peer-urls', text: url2, yaml: url2, config: { listenPeerUrls: [url2] } },
  {
    flag: 'listen-client-urls',
    text: `${url1},http://127.0.0.1:22379`,
    yaml: `${url1},http://127.0.0.1:22379`,
    config: { listenClientUrls: [url1, 'http://127.0.0.1:22379'] },
  },
  { flag: 'max-txn-ops', text: '64', yaml: 64, config: { maxTxnOps: 64 } },
  { flag: 'max-request-bytes', text: '1024', yaml: 1024, config: { maxRequestBytes: 1024 } },
  {
    flag: 'quota-backend-bytes',
    text: '1048576',
    yaml: 1048576,
    config: { quotaBackendBytes: 1048576 },
  },
  {
    flag: 'initial-advertise-peer-urls',
    text: url2,
    yaml: url2,
    config: { initialAdvertisePeerUrls: [url2] },
  },
  {
    flag: 'initial-cluster',
    text: `a=${url2},b=http://127.0.0.1:22380`,
    yaml: `a=${url2},b=http://127.0.0.1:22380`,
    config: { initialCluster: `a=${url2},b=http://127.0.0.1:22380` },
  },
  {
    flag: 'initial-cluster-state',
    text: 'existing',
    yaml: 'existing',
    config: { clusterState: 'existing' },
  },
  {
    flag: 'initial-cluster-token',
    text: 'tok-1',
    yaml: 'tok-1',
    config: { initialClusterToken: 'tok-1' },
  },
  {
    flag: 'advertise-client-urls',
    text: url1,
    yaml: url1,
    config: { advertiseClientUrls: [url1] },
  },
  {
    flag: 'strict-reconfig-check',
    text: 'false',
    yaml: false,
    config: { strictReconfigCheck: false },
  },
  { flag: 'pre-vote', text: 'false', yaml: false, config: { preVote: false } },
  {
    flag: 'auto-compaction-retention',
    text: '30m',
    yaml: '30m',
    config: { autoCompactionRetention: '30m' },
  },
  {
    flag: 'auto-compaction-mode',
    text: 'revision',
    yaml: 'revision',
    config: { autoCompactionMode: 'revision' },
  },
  { flag: 'max-learners', text: '3', yaml: 3, config: { maxLearners: 3 } },
  { flag: 'experimental-max-learners', text: '4', yaml: 4, config: { maxLearners: 4 } },
  {
    flag: 'experimental-enable-lease-checkpoint',
    text: 'true',
    yaml: true,
    config: { enableLeaseCheckpoint: true },
  },
  {
    flag: 'experimental-enable-lease-checkpoint-persist',
    text: 'true',
    yaml: true,
    config: { leaseCheckpointPersist: true },
  },
  {
    flag: 'listen-metrics-urls',
    text: 'http://127.0.0.1:12381',
    yaml: 'http://127.0.0.1:12381',
    config: { listenMetricsUrls: ['http://127.0.0.1:12381'] },
  },
];

// Flags with tests of their own below (TLS, the log level) or that are not settings.
const testedElsewhere = new Set([
  'cert-file',
  'key-file',
  'client-cert-auth',
  'trusted-ca-file',
  'peer-cert-file',
  'peer-key-file',
  'peer-client-cert-auth',
  'peer-trusted-ca-file',
  'log-level',
  'config-file',
  'version',
  'dry-run',
  'unsafe-fault-injection-url',
  'lease-checkpoint-interval',
]);

// The config file keeps etcd's default advertise URL when it sets only the listen URLs.
function fileConfig(c: Case): Record<string, unknown> {
  return c.flag === 'listen-client-urls'
    ? { ...c.config, advertiseClientUrls: ['http://localhost:2379'] }
    : c.config;
}

describe('keel flags into ServerConfig', () => {
  it('has a case for every flag keel implements', () => {
    const implemented = flagTable
      .filter((d) => d.effect === 'keel' && !testedElsewhere.has(d.name))
      .map((d) => d.name);
    expect(cases.map((c) => c.flag).sort()).toEqual(implemented.sort());
  });

  it.each(cases)('--$flag sets the same field from flag, variable and file', (c) => {
    expect(member([`--${c.flag}=${c.text}`]).config).toEqual(c.config);
    // A boolean never takes a separate word (see 'refuses a stray word'); others do.
    const spaced = typeof c.yaml === 'boolean' ? [`-${c.flag}=${c.text}`] : [`-${c.flag}`, c.text];
    expect(member(spaced).config).toEqual(c.config);
    const fromEnv = member([], { [flagToEnv(c.flag)]: c.text });
    expect(fromEnv.config).toEqual(c.config);
    expect(fromEnv.notes).toContainEqual({
      level: 'info',
      text: `recognized and used environment variable ${flagToEnv(c.flag)}=${c.text}`,
    });
    const path = yamlFile({ [c.flag]: c.yaml });
    expect(member(['--config-file', path]).config).toEqual(fileConfig(c));
  });

  it('sets nothing when nothing is given, leaving defaults to embed', () => {
    const o = member([]);
    expect(o.config).toEqual({});
    expect(o.logLevel).toBe('info');
    expect(o.source).toBe('flags');
  });
});

describe('precedence', () => {
  it('takes a flag over nothing, a variable for what flags leave unset, and flags last-wins', () => {
    const o = member(['--name=a', '--name=b'], { ETCD_INITIAL_CLUSTER_TOKEN: 't' });
    expect(o.config).toEqual({ name: 'b', initialClusterToken: 't' });
  });

  it('refuses a flag and its variable together, even when the variable is empty', () => {
    const message =
      'ENV_CONFLICT: conflicting environment variable "ETCD_NAME" is shadowed by corresponding ' +
      'command-line flag (either unset environment variable or disable flag): unset ETCD_NAME ' +
      'or drop --name';
    expect(failure(['--name=a'], { ETCD_NAME: 'b' })).toBe(message);
    expect(failure(['--name=a'], { ETCD_NAME: '' })).toBe(message);
    expect(failure(['--max-learners=2'], { ETCD_EXPERIMENTAL_MAX_LEARNERS: '3' })).toMatch(
      /^ENV_CONFLICT: .*ETCD_EXPERIMENTAL_MAX_LEARNERS/,
    );
  });

  it('ignores an empty variable, as etcd does', () => {
    expect(member([], { ETCD_NAME: '' }).config).toEqual({});
  });

  it('refuses a variable whose value does not parse, naming the variable', () => {
    expect(failure([], { ETCD_HEARTBEAT_INTERVAL: 'fast' })).toBe(
      'BAD_ENV_VALUE: invalid value "fast" for ETCD_HEARTBEAT_INTERVAL: parse error',
    );
    expect(failure([], { ETCD_PRE_VOTE: 'yes' })).toBe(
      'BAD_ENV_VALUE: invalid value "yes" for ETCD_PRE_VOTE: parse error',
    );
  });

  it('warns about unknown ETCD_ variables and ETCD_VERSION, and reads no variable for keel flags', () => {
    const o = member([], {
      ETCD_NO_SUCH: '1',
      ETCD_VERSION: '3.6',
      ETCD_DRY_RUN: 'true',
      HOME: '/',
    });
    expect(o.notes).toEqual([
      { level: 'warn', text: 'unrecognized environment variable ETCD_DRY_RUN=true' },
      { level: 'warn', text: 'unrecognized environment variable ETCD_NO_SUCH=1' },
      { level: 'warn', text: 'cannot set special environment variable ETCD_VERSION; ignored' },
    ]);
    expect(parseKeelCommand([], { ETCD_VERSION: 'true' }).kind).toBe('member');
  });

  it('reads only the config file when one is given, ignoring flags and variables', () => {
    const path = yamlFile({ name: 'from-file' });
    const o = member(['--config-file', path, '--name=flag', '--pre-vote=false'], {
      ETCD_INITIAL_CLUSTER_TOKEN: 't',
      ETCD_PRE_VOTE: 'true',
    });
    expect(o.config).toEqual({ name: 'from-file' });
    expect(o.source).toBe('config-file');
    expect(o.notes).toContainEqual({
      level: 'info',
      text: `loaded configuration from ${path}; other command-line flags and environment variables are ignored`,
    });
  });

  it('finds the config file in ETCD_CONFIG_FILE, and prefers --config-file', () => {
    const a = yamlFile({ name: 'a' });
    const b = yamlFile({ name: 'b' });
    expect(member([], { ETCD_CONFIG_FILE: a, ETCD_NAME: 'ignored' }).config).toEqual({ name: 'a' });
    expect(member(['--config-file', b], { ETCD_CONFIG_FILE: a }).config).toEqual({ name: 'b' });
  });

  it('still refuses unknown and malformed flags when a config file is given', () => {
    const path = yamlFile({ name: 'a' });
    expect(failure(['--config-file', path, '--no-such'])).toMatch(/^UNKNOWN_FLAG/);
    expect(failure(['--config-file', path, '--snapshot-count=x'])).toMatch(/^BAD_FLAG_VALUE/);
  });
});

describe('TLS flags', () => {
  const client = {
    certFile: '/tls/c.crt',
    keyFile: '/tls/c.key',
    trustedCaFile: '/tls/ca.crt',
    clientCertAuth: true,
  };
  const peer = { certFile: '/tls/p.crt', keyFile: '/tls/p.key', trustedCaFile: '/tls/pca.crt' };
  const argv = [
    '--cert-file=/tls/c.crt',
    '--key-file=/tls/c.key',
    '--trusted-ca-file=/tls/ca.crt',
    '--client-cert-auth',
    '--peer-cert-file=/tls/p.crt',
    '--peer-key-file=/tls/p.key',
    '--peer-trusted-ca-file=/tls/pca.crt',
    '--peer-client-cert-auth=false',
  ];

  it('build the client and peer TlsConfig from flags', () => {
    expect(member(argv).config).toEqual({ clientTls: client, peerTls: peer });
  });

  it('build the same from ETCD_* variables', () => {
    const env = Object.fromEntries(
      argv.map((a) => {
        const [name = '', value = 'true'] = a.slice(2).split('=');
        return [flagToEnv(name), value];
      }),
    );
    expect(member([], env).config).toEqual({ clientTls: client, peerTls: peer });
  });

  it('build the same from the transport-security blocks of the config file', () => {
    const path = yamlFile({
      'client-transport-security': {
        'cert-file': '/tls/c.crt',
        'key-file': '/tls/c.key',
        'trusted-ca-file': '/tls/ca.crt',
        'client-cert-auth': true,
      },
      'peer-transport-security': {
        'cert-file': '/tls/p.crt',
        'key-file': '/tls/p.key',
        'trusted-ca-file': '/tls/pca.crt',
        'client-cert-auth': false,
        'auto-tls': false,
      },
    });
    expect(member(['--config-file', path]).config).toEqual({ clientTls: client, peerTls: peer });
  });

  it('refuse a certificate without its key, and CA or client auth without either', () => {
    expect(failure(['--cert-file=/c'])).toBe(
      'INVALID_CONFIG: --cert-file and --key-file must be set together',
    );
    expect(failure(['--peer-key-file=/k'])).toBe(
      'INVALID_CONFIG: --peer-cert-file and --peer-key-file must be set together',
    );
    expect(failure(['--client-cert-auth'])).toBe(
      'INVALID_CONFIG: --trusted-ca-file and --client-cert-auth need TLS: set --cert-file and --key-file too',
    );
    expect(failure(['--peer-trusted-ca-file=/ca'])).toMatch(
      /^INVALID_CONFIG: --peer-trusted-ca-file/,
    );
  });

  it("refuse an https listener without a certificate, with etcd's message", () => {
    expect(failure(['--listen-client-urls=https://127.0.0.1:2379'])).toBe(
      'INVALID_CONFIG: TLS key/cert (--cert-file, --key-file) must be provided for client url https://127.0.0.1:2379 with HTTPS scheme',
    );
    expect(failure(['--listen-peer-urls=https://127.0.0.1:2380'])).toBe(
      'INVALID_CONFIG: TLS key/cert (--peer-cert-file, --peer-key-file) must be provided for peer url https://127.0.0.1:2380 with HTTPS scheme',
    );
    const ok = member([
      '--listen-client-urls=https://127.0.0.1:2379',
      '--cert-file=/c',
      '--key-file=/k',
    ]);
    expect(ok.config.clientTls).toEqual({ certFile: '/c', keyFile: '/k' });
  });
});

describe('--log-level', () => {
  it('is read from flag, variable and file, and checked', () => {
    expect(member(['--log-level=debug']).logLevel).toBe('debug');
    expect(member([], { ETCD_LOG_LEVEL: 'warn' }).logLevel).toBe('warn');
    expect(member(['--config-file', yamlFile({ 'log-level': 'error' })]).logLevel).toBe('error');
    expect(failure(['--log-level=loud'])).toBe(
      'INVALID_CONFIG: unknown --log-level "loud": use debug, info, warn, error, panic or fatal',
    );
  });
});

/** A valid value other than etcd's default, as flag text and as YAML. */
function otherValue(d: FlagDef): { text: string; yaml: unknown } {
  switch (d.kind) {
    case 'bool':
      return d.defaultText === 'true'
        ? { text: 'false', yaml: false }
        : { text: 'true', yaml: true };
    case 'uint':
    case 'int':
    case 'uint32':
      return { text: '7', yaml: 7 };
    case 'duration':
      return { text: '3s', yaml: 3_000_000_000 };
    case 'strings':
      return { text: 'stdout', yaml: ['stdout'] };
    case 'urls':
      return { text: 'http://127.0.0.1:1', yaml: 'http://127.0.0.1:1' };
    case 'choice': {
      const other = (d.choices ?? []).find((c) => c !== d.defaultText) ?? '';
      return { text: other, yaml: other };
    }
    case 'string':
      return { text: 'other', yaml: 'other' };
  }
}

const noops = flagTable.filter((d) => d.effect === 'noop');
const unsupported = flagTable.filter((d) => d.effect === 'unsupported');

describe('accepted-only flags', () => {
  it.each(noops)('--$name is accepted from flag, variable and file, and changes nothing', (d) => {
    const v = otherValue(d);
    const noted = (o: MemberOptions): string[] =>
      o.notes.filter((n) => n.level === 'debug').map((n) => n.text.split('=')[0] ?? '');
    const fromFlag = member([`--${d.name}=${v.text}`]);
    expect(fromFlag.config).toEqual({});
    expect(noted(fromFlag)).toEqual([`--${d.name}`]);
    expect(noted(member([], { [flagToEnv(d.name)]: v.text }))).toEqual([`--${d.name}`]);
    if (d.fileKey !== false) {
      const fromFile = member(['--config-file', yamlFile({ [d.name]: v.yaml })]);
      expect(fromFile.config).toEqual({});
      expect(noted(fromFile)).toEqual([`--${d.name}`]);
    }
  });

  it('still type-checks their values', () => {
    expect(failure(['--enable-pprof=sometimes'])).toMatch(/^BAD_FLAG_VALUE/);
    expect(failure(['--grpc-keepalive-timeout=20'])).toMatch(/^BAD_FLAG_VALUE/);
  });
});

describe('unsupported flags', () => {
  it.each(unsupported)("--$name takes etcd's default and refuses anything else", (d) => {
    expect(member([`--${d.name}=${d.defaultText}`]).config).toEqual({});
    const v = otherValue(d);
    const refused = new RegExp(`^UNSUPPORTED_FLAG: --${d.name}=.*keel does not implement`);
    expect(failure([`--${d.name}=${v.text}`])).toMatch(refused);
    expect(failure([], { [flagToEnv(d.name)]: v.text })).toMatch(refused);
    if (d.fileKey !== false) {
      expect(failure(['--config-file', yamlFile({ [d.name]: v.yaml })])).toMatch(refused);
      expect(member(['--config-file', yamlFile({ [d.name]: null })]).config).toEqual({});
    }
  });

  it.each([
    { side: 'client', key: 'auto-tls', yaml: true, flag: 'auto-tls' },
    { side: 'client', key: 'client-cert-file', yaml: '/c', flag: 'client-cert-file' },
    { side: 'client', key: 'client-key-file', yaml: '/k', flag: 'client-key-file' },
    { side: 'client', key: 'allowed-hostname', yaml: ['h'], flag: 'client-cert-allowed-hostname' },
    { side: 'peer', key: 'auto-tls', yaml: true, flag: 'peer-auto-tls' },
    { side: 'peer', key: 'client-cert-file', yaml: '/c', flag: 'peer-client-cert-file' },
    { side: 'peer', key: 'client-key-file', yaml: '/k', flag: 'peer-client-key-file' },
    { side: 'peer', key: 'allowed-hostname', yaml: ['h'], flag: 'peer-cert-allowed-hostname' },
    { side: 'peer', key: 'allowed-cn', yaml: ['cn'], flag: 'peer-cert-allowed-cn' },
    {
      side: 'peer',
      key: 'skip-client-san-verification',
      yaml: true,
      flag: 'peer-skip-client-san-verification',
    },
  ])('$side-transport-security.$key is refused as --$flag', ({ side, key, yaml, flag }) => {
    const path = yamlFile({ [`${side}-transport-security`]: { [key]: yaml } });
    expect(failure(['--config-file', path])).toMatch(
      new RegExp(`^UNSUPPORTED_FLAG: --${flag}=.*keel does not implement`),
    );
  });

  it('are refused from the config file too, top-level and in TLS blocks', () => {
    expect(failure(['--config-file', yamlFile({ 'force-new-cluster': true })])).toMatch(
      /^UNSUPPORTED_FLAG: --force-new-cluster=true/,
    );
    const block = yamlFile({ 'peer-transport-security': { 'auto-tls': true } });
    expect(failure(['--config-file', block])).toMatch(/^UNSUPPORTED_FLAG: --peer-auto-tls=true/);
  });
});

describe('other member flag rules', () => {
  it('reads --quota-backend-bytes=0 as the default and refuses a negative quota', () => {
    expect(member(['--quota-backend-bytes=0']).config).toEqual({});
    expect(failure(['--quota-backend-bytes=-1'])).toBe(
      'INVALID_CONFIG: --quota-backend-bytes=-1: keel always enforces a quota; set a size or 0',
    );
  });

  it('refuses an unknown --auto-compaction-mode', () => {
    expect(failure(['--auto-compaction-mode=hourly'])).toBe(
      'INVALID_CONFIG: unsupported compaction mode "hourly": --auto-compaction-mode takes periodic or revision',
    );
  });

  it('reads an empty --data-dir or --wal-dir as unset, as etcd does', () => {
    expect(member(['--data-dir=', '--wal-dir=']).config).toEqual({});
  });
});

describe('parseKeelCommand', () => {
  it('answers --help before anything else and --version after the flags', () => {
    expect(parseKeelCommand(['--name=a', '--help', '--no-such'], {}).kind).toBe('help');
    expect(parseKeelCommand(['--version'], { ETCD_NAME: 'x' }).kind).toBe('version');
    expect(parseKeelCommand(['--version=false'], {}).kind).toBe('member');
    expect(failure(['--version', '--no-such'])).toMatch(/^UNKNOWN_FLAG/);
  });

  it('refuses a stray word after the flags, as etcd does', () => {
    expect(failure(['--pre-vote', 'false'])).toBe(
      'NOT_A_FLAG: "false" is not a valid flag (a boolean flag takes its value as --flag=false, not as a separate word)',
    );
    expect(failure(['--version', 'extra'])).toMatch(/^NOT_A_FLAG: "extra"/);
  });

  it('reads --dry-run', () => {
    const c = parseKeelCommand(['--dry-run', '--name=a'], {});
    expect(c.kind === 'member' && c.dryRun).toBe(true);
    expect(c.kind === 'member' && c.options.config).toEqual({ name: 'a' });
  });

  it('reads --unsafe-fault-injection-url from the command line only, and checks it', () => {
    const c = parseKeelCommand(['--unsafe-fault-injection-url=http://127.0.0.1:7001'], {});
    expect(c.kind === 'member' && c.faultInjectionUrl?.href).toBe('http://127.0.0.1:7001/');
    expect(c.kind === 'member' && c.options.config).toEqual({});
    const plain = parseKeelCommand([], { ETCD_UNSAFE_FAULT_INJECTION_URL: 'http://127.0.0.1:1' });
    expect(plain.kind === 'member' && plain.faultInjectionUrl).toBeUndefined();
    expect(failure(['--unsafe-fault-injection-url=http://0.0.0.0:1'])).toMatch(
      /^INVALID_CONFIG: --unsafe-fault-injection-url=http:\/\/0.0.0.0:1: it must listen on a loopback/,
    );
  });

  it('reads --lease-checkpoint-interval from the command line only (no ETCD_ variable)', () => {
    expect(member(['--lease-checkpoint-interval=10s']).config).toEqual({
      leaseCheckpointIntervalMs: 10_000,
    });
    expect(member([], { ETCD_LEASE_CHECKPOINT_INTERVAL: '10s' }).config).toEqual({});
  });

  it('sends snapshot to its subcommand and names the etcdctl commands keel lacks', () => {
    expect(parseKeelCommand(['snapshot', '--help'], {}).kind).toBe('restore-help');
    expect(failure(['snapshot', 'save', 'x.db'])).toBe(
      "BAD_ARGS: keel has no 'snapshot save': use 'etcdctl snapshot save' against a running member",
    );
    expect(failure(['snapshot'])).toBe("BAD_ARGS: keel snapshot takes the subcommand 'restore'");
  });
});
