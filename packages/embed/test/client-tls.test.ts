// Goal: with https client and metrics URLs and clientTls (clientCertAuth on), a member serves
// etcd's API over TLS to etcdctl and to the `etcd3` npm client presenting a certificate from the
// trusted CA, and refuses both without one; the metrics listener is https with the same rule;
// a missing or garbled TLS file fails startServer with INVALID_CONFIG naming the file, before
// the data directory is touched; the JSON gateway, /health and /version share the https client
// port with gRPC. Method: certificates made with openssl in a temp dir, a real
// member on 127.0.0.1 port 0, Debian's /usr/bin/etcdctl, the etcd3 client, node:https.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isEmbedError, startServer, type Server, type ServerConfig } from '../src/index.js';
import { tempDir, within } from './helpers.js';
import { TestCerts } from './tls-certs.js';

let certs: TestCerts;
let server: Server;
let dir: string;
let remove: () => Promise<void>;

function config(overrides: Partial<ServerConfig>): ServerConfig {
  return {
    name: 'tls',
    dataDir: `${dir}/tls`,
    listenClientUrls: ['https://127.0.0.1:0'],
    advertiseClientUrls: ['https://127.0.0.1:0'],
    listenMetricsUrls: ['https://127.0.0.1:0'],
    clientTls: certs.tls('server', { ca: 'ca', clientCertAuth: true }),
    tickMs: 10,
    electionMs: 100,
    ...overrides,
  };
}

beforeAll(async () => {
  certs = new TestCerts().make('ca', ['server', 'client']).make('rogue-ca', ['rogue']);
  ({ dir, remove } = await tempDir());
  server = await startServer(config({}));
  await within(server.ready, 5000, 'ready');
}, 20_000);

afterAll(async () => {
  await server.close();
  await remove();
  certs.remove();
});

/** Runs etcdctl against the member with `tlsArgs`; resolves with its exit code and output. */
function etcdctl(tlsArgs: readonly string[], args: readonly string[]) {
  const endpoint = server.clientUrls[0] ?? '';
  return new Promise<{ code: number; out: string }>((resolve, reject) => {
    execFile(
      '/usr/bin/etcdctl',
      [`--endpoints=${endpoint}`, '--dial-timeout=2s', '--command-timeout=4s', ...tlsArgs, ...args],
      { env: { ...process.env, ETCDCTL_API: '3' }, timeout: 15_000 },
      (err, stdout, stderr) => {
        if (err !== null && typeof err.code !== 'number') reject(new Error(err.message));
        else resolve({ code: err === null ? 0 : Number(err.code), out: stdout + stderr });
      },
    );
  });
}

const b64 = (text: string): string => Buffer.from(text).toString('base64');
const cacert = (): string => `--cacert=${certs.path('ca.crt')}`;
const withCert = (name: string): string[] => [
  cacert(),
  `--cert=${certs.path(`${name}.crt`)}`,
  `--key=${certs.path(`${name}.key`)}`,
];

/** GETs `path` on the metrics URL; resolves with the status and body, or the error's text. */
function fetchMetrics(path: string, options: RequestOptions): Promise<string> {
  return fetchHttps(`${server.metricsUrls[0] ?? ''}${path}`, options);
}

/** Sends a request to `url`; resolves with the status and body, or the error's text. */
function fetchHttps(url: string, options: RequestOptions, body?: string): Promise<string> {
  return new Promise((resolve) => {
    const method = body === undefined ? 'GET' : 'POST';
    const req = httpsRequest(url, { ...options, method }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => {
        resolve(`${res.statusCode ?? 0} ${body}`);
      });
    });
    req.on('error', (e) => {
      resolve(`refused: ${e.message}`);
    });
    req.end(body);
  });
}

describe('client TLS', () => {
  it('reports https URLs', () => {
    expect(server.clientUrls[0]).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(server.metricsUrls[0]).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('serves etcdctl presenting a certificate of the trusted CA', async () => {
    expect(await etcdctl(withCert('client'), ['put', 'k', 'over-tls'])).toEqual({
      code: 0,
      out: 'OK\n',
    });
    expect(await etcdctl(withCert('client'), ['get', 'k'])).toEqual({
      code: 0,
      out: 'k\nover-tls\n',
    });
  });

  it('refuses etcdctl without a certificate, with one of another CA, and in plain text', async () => {
    const plain = (server.clientUrls[0] ?? '').replace('https:', 'http:');
    const refused = await Promise.all([
      etcdctl([cacert()], ['put', 'refused', 'no-cert']),
      etcdctl(withCert('rogue'), ['put', 'refused', 'rogue-cert']),
      etcdctl([`--endpoints=${plain}`], ['put', 'refused', 'plain-text']),
    ]);
    expect(refused.map((r) => r.code === 0)).toEqual([false, false, false]);
    const got = await server.kv.range({ key: Buffer.from('refused') });
    expect(got.kvs).toEqual([]);
  });

  it('serves the etcd3 client with TLS credentials and refuses it without a certificate', async () => {
    const host = server.clientUrls[0] ?? '';
    const good = new Etcd3({
      hosts: host,
      dialTimeout: 3000,
      credentials: {
        rootCertificate: certs.read('ca.crt'),
        certChain: certs.read('client.crt'),
        privateKey: certs.read('client.key'),
      },
    });
    const bad = new Etcd3({
      hosts: host,
      dialTimeout: 2000,
      credentials: { rootCertificate: certs.read('ca.crt') },
    });
    try {
      await within(good.put('etcd3').value('tls').exec(), 10_000, 'put over TLS');
      expect(await within(good.get('etcd3').string(), 10_000, 'get over TLS')).toBe('tls');
      const outcome = await within(
        bad
          .put('etcd3-refused')
          .value('x')
          .exec()
          .then(
            () => 'written',
            (e: unknown) => `refused: ${String(e)}`,
          ),
        20_000,
        'the refusal of a client without a certificate',
      );
      expect(outcome).toMatch(/^refused: /);
      expect((await server.kv.range({ key: Buffer.from('etcd3-refused') })).kvs).toEqual([]);
    } finally {
      good.close();
      bad.close();
    }
  }, 40_000);

  it('serves /health over https to a client with a certificate only', async () => {
    const ca = certs.read('ca.crt');
    const ok = await fetchMetrics('/health', {
      ca,
      cert: certs.read('client.crt'),
      key: certs.read('client.key'),
    });
    expect(ok).toBe('200 {"health":"true","reason":""}');
    expect(await fetchMetrics('/health', { ca })).toMatch(/^refused: /);
  });
});

describe('the JSON gateway and HTTP endpoints on the https client URL', () => {
  const client = (): RequestOptions => ({
    ca: certs.read('ca.crt'),
    cert: certs.read('client.crt'),
    key: certs.read('client.key'),
  });
  const url = (path: string): string => `${server.clientUrls[0] ?? ''}${path}`;

  it('serves /v3/ JSON, /health and /version beside gRPC on one port', async () => {
    const put = JSON.stringify({ key: b64('gw'), value: b64('over-https') });
    expect(await fetchHttps(url('/v3/kv/put'), client(), put)).toMatch(/^200 \{"header":/);
    expect(await etcdctl(withCert('client'), ['get', 'gw', '--print-value-only'])).toEqual({
      code: 0,
      out: 'over-https\n',
    });
    expect(await fetchHttps(url('/health'), client())).toBe('200 {"health":"true","reason":""}');
    expect(await fetchHttps(url('/version'), client())).toMatch(
      /^200 \{"etcdserver":"3\.\d+\.\d+","etcdcluster":"3\.\d+\.0"\}$/,
    );
    const refused = await fetchHttps(url('/v3/kv/put'), { ca: certs.read('ca.crt') }, put);
    expect(refused).toMatch(/^refused: /);
  });

  it('speaks HTTP/1.1 with curl, which offers h2 and http/1.1 by ALPN', async () => {
    const out = await new Promise<string>((resolve, reject) => {
      execFile(
        'curl',
        [
          ...['-sS', '-m', '5', '-w', ' %{http_version}', '--cacert', certs.path('ca.crt')],
          ...['--cert', certs.path('client.crt'), '--key', certs.path('client.key')],
          ...['-X', 'POST', '-d', JSON.stringify({ key: b64('gw') }), url('/v3/kv/range')],
        ],
        (err, stdout) => {
          if (err !== null) reject(new Error(`curl failed: ${err.message}`, { cause: err }));
          else resolve(stdout);
        },
      );
    });
    expect(out).toMatch(/"value":"b3Zlci1odHRwcw=="}\],"count":"1"} 1\.1$/);
  });
});

describe('bad TLS files', () => {
  /** Starts with `overrides`; resolves with the field and message of the INVALID_CONFIG. */
  async function failure(overrides: Partial<ServerConfig>): Promise<string> {
    try {
      const s = await startServer(config({ dataDir: `${dir}/bad`, ...overrides }));
      await s.close();
      return 'started';
    } catch (e) {
      if (!isEmbedError(e, 'INVALID_CONFIG')) throw e;
      return `${e.field ?? '?'}: ${e.message}`;
    }
  }

  it('fail start with INVALID_CONFIG naming the file and what to do, touching no data', async () => {
    const good = certs.tls('server', { ca: 'ca', clientCertAuth: true });
    const garbage = certs.write('garbage.pem', 'not a certificate\n');
    expect(await failure({ clientTls: { ...good, certFile: certs.path('missing.crt') } })).toMatch(
      /^clientTls: invalid config clientTls.certFile \/.*\/missing.crt cannot be read \(ENOENT\): check the path and its permissions$/,
    );
    expect(await failure({ clientTls: { ...good, certFile: garbage } })).toMatch(
      /^clientTls: invalid config clientTls.certFile .*garbage.pem is not a PEM certificate: give a file that starts with -----BEGIN CERTIFICATE-----$/,
    );
    expect(await failure({ clientTls: { ...good, keyFile: garbage } })).toMatch(
      /^clientTls: invalid config clientTls.keyFile .*garbage.pem is not a PEM private key/,
    );
    expect(await failure({ clientTls: { ...good, trustedCaFile: garbage } })).toMatch(
      /^clientTls: invalid config clientTls.trustedCaFile .*garbage.pem is not a PEM certificate/,
    );
    expect(await failure({ clientTls: { ...good, keyFile: certs.path('client.key') } })).toMatch(
      /^clientTls: invalid config clientTls.keyFile .*client.key is not the key of clientTls.certFile .*server.crt: give the key the certificate was issued for$/,
    );
    expect(existsSync(`${dir}/bad`)).toBe(false);
  });

  it('checks peer TLS files too, for an https peer URL', async () => {
    const garbage = certs.path('garbage.pem');
    expect(
      await failure({
        listenPeerUrls: ['https://127.0.0.1:0'],
        initialAdvertisePeerUrls: ['https://127.0.0.1:0'],
        peerTls: {
          ...certs.tls('server', { ca: 'ca', clientCertAuth: true }),
          trustedCaFile: garbage,
        },
      }),
    ).toMatch(
      /^peerTls: invalid config peerTls.trustedCaFile .*garbage.pem is not a PEM certificate/,
    );
    expect(existsSync(`${dir}/bad`)).toBe(false);
  });
});
