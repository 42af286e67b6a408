// Goal: peers talk over wss:// with TLS and with mutual TLS; under mTLS a client without a
// certificate, or with one from another CA, never gets a connection; and bad certificate files
// fail start() with INVALID_CONFIG naming the file. Method: a CA and member certificates are
// made with `openssl` (scripts/make-test-certs.sh) in a temp dir at test time (no key is ever
// committed) and removed after.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { TlsFiles } from '../src/index.js';
import { TestMember, closeAll, msg } from './harness.js';

let dir = '';
let members: TestMember[] = [];

const certScript = new URL('../../../scripts/make-test-certs.sh', import.meta.url).pathname;

/** Makes CA `ca` (once) and certificates `names` signed by it, for 127.0.0.1, in `dir`. */
function makeCerts(ca: string, names: readonly string[]): void {
  execFileSync('bash', [certScript, dir, ca, ...names], { stdio: 'ignore' });
}

function files(name: string, clientCertRequired: boolean): TlsFiles {
  return {
    certFile: join(dir, `${name}.crt`),
    keyFile: join(dir, `${name}.key`),
    caFile: join(dir, 'ca.crt'),
    clientCertRequired,
  };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'keel-tls-'));
  makeCerts('ca', ['m1', 'm2']);
  makeCerts('rogue-ca', ['rogue']);
  writeFileSync(join(dir, 'garbage.pem'), 'not a certificate\n');
}, 20_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

afterEach(async () => {
  await closeAll(members);
  members = [];
});

async function tlsPair(clientCertRequired: boolean): Promise<[TestMember, TestMember]> {
  const a = await new TestMember(1, { tls: files('m1', clientCertRequired) }).start();
  const b = await new TestMember(2, { tls: files('m2', clientCertRequired) }).start();
  members = [a, b];
  a.transport.addPeer(2, b.url);
  b.transport.addPeer(1, a.url);
  await Promise.all([a.connectedTo(2), b.connectedTo(1)]);
  return [a, b];
}

/** Dials `url` with raw ws and the given TLS options; resolves 'opened' or 'refused'. */
function rawDial(url: string, options: WebSocket.ClientOptions): Promise<'opened' | 'refused'> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, options);
    ws.on('open', () => {
      ws.terminate();
      resolve('opened');
    });
    ws.on('error', () => {
      resolve('refused');
    });
  });
}

describe('TLS', () => {
  it('carries messages over wss:// with server TLS', async () => {
    const [a, b] = await tlsPair(false);
    expect(a.url).toMatch(/^wss:\/\/127\.0\.0\.1:\d+$/);
    a.transport.send([msg('MsgVote', [1, 2], { term: 4 })]);
    b.transport.send([msg('MsgVoteResp', [2, 1], { term: 4 })]);
    await b.until(() => b.received.length === 1, 'vote');
    await a.until(() => a.received.length === 1, 'vote response');
  });

  it('carries messages and snapshots under mutual TLS', async () => {
    let stored = 0;
    const a = await new TestMember(1, { tls: files('m1', true) }).start();
    const b = await new TestMember(2, {
      tls: files('m2', true),
      onSnapshot: async (s) => {
        for await (const chunk of s.chunks) stored += chunk.byteLength;
      },
    }).start();
    members = [a, b];
    a.transport.addPeer(2, b.url);
    b.transport.addPeer(1, a.url);
    await Promise.all([a.connectedTo(2), b.connectedTo(1)]);
    a.transport.send([msg('MsgHeartbeat', [1, 2])]);
    await b.until(() => b.received.length === 1, 'heartbeat');
    const confState = {
      voters: [1, 2],
      learners: [],
      votersOutgoing: [],
      learnersNext: [],
      autoLeave: false,
    };
    const snap = msg('MsgSnap', [1, 2], {
      snapshot: { data: Buffer.alloc(0), metadata: { index: 3, term: 1, confState } },
    });
    expect(await a.transport.sendSnapshot(snap, [Buffer.alloc(100_000, 1)])).toBe('finish');
    expect(stored).toBe(100_000);
  });

  it('refuses, under mTLS, a client without a certificate or with one from another CA', async () => {
    const [a] = await tlsPair(true);
    const ca = readFileSync(join(dir, 'ca.crt'));
    expect(await rawDial(a.url, { ca })).toBe('refused');
    await a.until(
      () => a.logsWith('HANDSHAKE_REFUSED').some((l) => l.message.startsWith('TLS refused')),
      'server-side log line',
    );
    const rogue = {
      ca,
      cert: readFileSync(join(dir, 'rogue.crt')),
      key: readFileSync(join(dir, 'rogue.key')),
    };
    expect(await rawDial(a.url, rogue)).toBe('refused');
    // The same dial with a member certificate opens: the refusals above were about the cert.
    const good = {
      ca,
      cert: readFileSync(join(dir, 'm2.crt')),
      key: readFileSync(join(dir, 'm2.key')),
    };
    expect(await rawDial(a.url, good)).toBe('opened');
  });

  it('fails start() with INVALID_CONFIG naming a bad certificate file', async () => {
    const startWith = async (tls: TlsFiles): Promise<string> => {
      const m = new TestMember(1, { tls });
      members.push(m);
      try {
        await m.transport.start();
        return 'started';
      } catch (e) {
        return `${(e as { code?: string }).code ?? '?'}: ${(e as Error).message}`;
      }
    };
    const good = files('m1', true);
    expect(await startWith({ ...good, certFile: join(dir, 'missing.crt') })).toMatch(
      /^INVALID_CONFIG: tls.certFile .*missing.crt cannot be read \(ENOENT\): check the path/,
    );
    expect(await startWith({ ...good, certFile: join(dir, 'garbage.pem') })).toMatch(
      /^INVALID_CONFIG: tls.certFile .*garbage.pem is not a PEM certificate: give a file that/,
    );
    expect(await startWith({ ...good, caFile: join(dir, 'garbage.pem') })).toMatch(
      /^INVALID_CONFIG: tls.caFile .*garbage.pem is not a PEM certificate/,
    );
    expect(await startWith({ ...good, keyFile: join(dir, 'garbage.pem') })).toMatch(
      /^INVALID_CONFIG: tls.keyFile .*garbage.pem is not a PEM private key: give the/,
    );
    expect(await startWith({ ...good, keyFile: join(dir, 'm2.key') })).toMatch(
      /^INVALID_CONFIG: tls.keyFile .*m2.key is not the key of tls.certFile .*: give the key/,
    );
    expect(await startWith(good)).toBe('started');
  });

  it('verifies peers against the default root CAs when no caFile is given', async () => {
    const { caFile: _ca, ...noCa } = files('m1', false);
    const a = await new TestMember(1, { tls: noCa }).start();
    const b = await new TestMember(2, { tls: files('m2', false) }).start();
    members = [a, b];
    // a trusts only Node's public roots, so b's certificate (from a private CA) is refused.
    a.transport.addPeer(2, b.url);
    await a.until(
      () => a.logs.some((l) => /^cannot reach member 2 .*certificate/.test(l.message)),
      'a refusal of the untrusted peer certificate',
    );
    expect(a.transport.connectedSinceMs(2)).toBeUndefined();
    // b trusts the CA that signed a's certificate, and a asks for no client certificate.
    b.transport.addPeer(1, a.url);
    await b.connectedTo(1);
  });
});
