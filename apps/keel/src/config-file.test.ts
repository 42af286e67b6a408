// Goal: --config-file reads etcd's YAML as etcd does (URL lists as comma-separated strings, TLS in
// transport-security blocks, unknown keys ignored, null as unset) and refuses files it cannot use
// with a message naming the file and key. Method: real files in a temp dir.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfigFile } from './config-file.js';
import { isKeelError } from './errors.js';
import { configFileBytesMax } from './limits.js';

let dir = '';
let n = 0;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'keel-config-file-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function file(text: string): string {
  n += 1;
  const path = join(dir, `f${n}.yaml`);
  writeFileSync(path, text);
  return path;
}

function values(text: string): Record<string, unknown> {
  return Object.fromEntries(readConfigFile(file(text)).values);
}

function failure(path: string): string {
  try {
    readConfigFile(path);
  } catch (e) {
    if (isKeelError(e)) return `${e.code}: ${e.message}`;
    throw e;
  }
  return 'no error';
}

// An etcd-style file as operators write them (keys as in etcd's etcd.conf.yml.sample).
const etcdSample = `
name: 'infra1'
data-dir: /var/lib/etcd
snapshot-count: 10000
heartbeat-interval: 100
election-timeout: 1000
quota-backend-bytes: 0
listen-peer-urls: http://127.0.0.1:2380
listen-client-urls: http://127.0.0.1:2379,http://127.0.0.1:22379
max-snapshots: 5
max-wals: 5
initial-advertise-peer-urls: http://127.0.0.1:2380
advertise-client-urls: http://127.0.0.1:2379
initial-cluster: infra1=http://127.0.0.1:2380
initial-cluster-token: 'etcd-cluster'
initial-cluster-state: 'new'
strict-reconfig-check: false
enable-pprof: true
client-transport-security:
  cert-file:
  key-file:
  client-cert-auth: false
  trusted-ca-file:
  auto-tls: false
peer-transport-security:
  cert-file:
  key-file:
  client-cert-auth: false
  trusted-ca-file:
  auto-tls: false
  allowed-cn:
log-level: debug
logger: zap
log-outputs: [stderr]
`;

describe('readConfigFile', () => {
  it("reads etcd's sample layout, nulls left unset", () => {
    expect(values(etcdSample)).toEqual({
      name: 'infra1',
      'data-dir': '/var/lib/etcd',
      'snapshot-count': 10000,
      'heartbeat-interval': 100,
      'election-timeout': 1000,
      'quota-backend-bytes': 0,
      'listen-peer-urls': ['http://127.0.0.1:2380'],
      'listen-client-urls': ['http://127.0.0.1:2379', 'http://127.0.0.1:22379'],
      'max-snapshots': 5,
      'max-wals': 5,
      'initial-advertise-peer-urls': ['http://127.0.0.1:2380'],
      'advertise-client-urls': ['http://127.0.0.1:2379'],
      'initial-cluster': 'infra1=http://127.0.0.1:2380',
      'initial-cluster-token': 'etcd-cluster',
      'initial-cluster-state': 'new',
      'strict-reconfig-check': false,
      'enable-pprof': true,
      'client-cert-auth': false,
      'auto-tls': false,
      'peer-client-cert-auth': false,
      'peer-auto-tls': false,
      'log-level': 'debug',
      logger: 'zap',
      'log-outputs': ['stderr'],
    });
  });

  it('takes scalars for text keys as etcd does (a number name is its digits)', () => {
    expect(values('name: 123\ninitial-cluster-token: true\n')).toEqual({
      name: '123',
      'initial-cluster-token': 'true',
    });
  });

  it('reads an empty file as no settings', () => {
    expect(values('')).toEqual({});
    expect(values('# only a comment\n')).toEqual({});
  });

  it('warns about keys etcd does not have, and about flags that are not file keys', () => {
    const r = readConfigFile(
      file('name: a\nno-such-key: 1\ncert-file: /c\nclient-transport-security:\n  bogus: 1\n'),
    );
    expect(Object.fromEntries(r.values)).toEqual({ name: 'a' });
    expect(r.notes.filter((x) => x.level === 'warn')).toEqual([
      { level: 'warn', text: 'config file: unknown key "no-such-key" ignored' },
      { level: 'warn', text: 'config file: unknown key "cert-file" ignored' },
      { level: 'warn', text: 'config file: unknown key "client-transport-security.bogus" ignored' },
    ]);
  });

  it('maps the peer block keys that only peers have', () => {
    expect(
      values(
        'peer-transport-security:\n  allowed-cn: [a]\n  skip-client-san-verification: false\n',
      ),
    ).toEqual({ 'peer-cert-allowed-cn': ['a'], 'peer-skip-client-san-verification': false });
    const r = readConfigFile(file('client-transport-security:\n  allowed-cn: [a]\n'));
    expect(r.notes[0]?.text).toBe(
      'config file: unknown key "client-transport-security.allowed-cn" ignored',
    );
  });

  it('reads durations as integer nanoseconds, as etcd reads its file', () => {
    expect(values('grpc-keepalive-timeout: 20000000000\n')).toEqual({
      'grpc-keepalive-timeout': 20_000,
    });
  });
});

describe('readConfigFile refusals', () => {
  it('names the file when it cannot be read', () => {
    const missing = join(dir, 'missing.yaml');
    expect(failure(missing)).toMatch(
      new RegExp(`^CONFIG_FILE: --config-file "${missing}": cannot be read \\(ENOENT`),
    );
    const sub = join(dir, 'a-directory');
    mkdirSync(sub);
    expect(failure(sub)).toMatch(/^CONFIG_FILE: .*cannot be read \(EISDIR/);
  });

  it(`refuses a file larger than ${configFileBytesMax} bytes`, () => {
    const big = file(`# ${'x'.repeat(configFileBytesMax)}\n`);
    expect(failure(big)).toBe(
      `CONFIG_FILE: --config-file "${big}": larger than ${configFileBytesMax} bytes`,
    );
  });

  it('refuses text that is not YAML, or not a mapping, or repeats a key', () => {
    expect(failure(file('name: [unclosed\n'))).toMatch(/^CONFIG_FILE: .*is not valid YAML/);
    expect(failure(file('- a\n- b\n'))).toMatch(/must be a YAML mapping of keys$/);
    expect(failure(file('just text\n'))).toMatch(/must be a YAML mapping of keys$/);
    expect(failure(file('name: a\nname: b\n'))).toMatch(/^CONFIG_FILE: .*is not valid YAML/);
  });

  it('refuses a value of the wrong type, naming the key', () => {
    const cases: readonly (readonly [string, string])[] = [
      ['heartbeat-interval: "100"\n', 'key "heartbeat-interval": expected an integer, got "100"'],
      ['heartbeat-interval: 1.5\n', 'key "heartbeat-interval": expected an integer, got 1.5'],
      ['snapshot-count: -1\n', 'key "snapshot-count": parse error'],
      ['pre-vote: "yes"\n', 'key "pre-vote": expected true or false, got "yes"'],
      [
        'listen-client-urls: [http://127.0.0.1:1]\n',
        'key "listen-client-urls": expected a comma-separated string of URLs, got ["http://127.0.0.1:1"]',
      ],
      [
        'listen-client-urls: localhost:2379\n',
        'key "listen-client-urls": URL scheme must be http, https, unix, or unixs: localhost:2379',
      ],
      [
        'initial-cluster-state: old\n',
        'key "initial-cluster-state": valid values are "new", "existing"',
      ],
      ['name: {a: 1}\n', 'key "name": expected a string, got {"a":1}'],
      [
        'grpc-keepalive-timeout: 20s\n',
        'key "grpc-keepalive-timeout": expected integer nanoseconds, got "20s"',
      ],
      [
        'client-transport-security:\n  client-cert-auth: "true"\n',
        'key "client-transport-security.client-cert-auth": expected true or false, got "true"',
      ],
      ['peer-transport-security: yes\n', 'invalid peer-transport-security'],
    ];
    for (const [text, detail] of cases) {
      const path = file(text);
      expect(failure(path)).toBe(`CONFIG_FILE: --config-file "${path}": ${detail}`);
    }
  });
});
