// Goal: members whose peer URLs are https talk over wss:// with mutual TLS (peerTls with
// clientCertAuth): three of them elect a leader and replicate; a member presenting a certificate
// of another CA is refused by the others (and cannot reach them), while the two that trust each
// other still elect and replicate. Method: certificates made with openssl in a temp dir, three
// members in one process on 127.0.0.1 (peer ports picked free first, since member IDs derive
// from peer URLs), waits on leader events and log lines with deadlines.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  isEmbedError,
  startServer,
  type Logger,
  type Server,
  type ServerConfig,
  type TlsConfig,
} from '../src/index.js';
import { agreedLeader, freePeerUrls, testMembers } from './cluster.js';
import { b, s, within } from './helpers.js';
import { TestCerts } from './tls-certs.js';

let certs: TestCerts;
const t = testMembers();

/** A logger that keeps warnings and resolves waiters for one that matches their pattern. */
class WarningLog {
  readonly #seen: string[] = [];
  readonly #waiters: { pattern: RegExp; resolve: () => void }[] = [];
  readonly logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    error: () => undefined,
    warn: (_fields, message) => {
      this.#seen.push(message);
      for (const w of this.#waiters.filter((x) => x.pattern.test(message))) w.resolve();
    },
  };

  /** Resolves once a warning matching `pattern` was logged (bound it with `within`). */
  seen(pattern: RegExp): Promise<void> {
    if (this.#seen.some((m) => pattern.test(m))) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ pattern, resolve }));
  }
}

/** Starts members m0..m2 on https peer URLs, each with the peer TLS `tlsOf(i)` gives. */
function startCluster(
  tlsOf: (i: number) => TlsConfig,
  loggers: readonly Logger[] = [],
): Promise<Server[]> {
  return t.startFounders({
    peerTlsOf: tlsOf,
    extraOf: (i) => (loggers[i] === undefined ? {} : { logger: loggers[i] }),
  });
}

beforeAll(() => {
  certs = new TestCerts().make('ca', ['m0', 'm1', 'm2']).make('rogue-ca', ['rogue']);
}, 20_000);

afterAll(() => {
  certs.remove();
});

describe('peer TLS', () => {
  it('three members over wss mutual TLS elect a leader and replicate', async () => {
    const servers = await startCluster((i) =>
      certs.tls(`m${i}`, { ca: 'ca', clientCertAuth: true }),
    );
    for (const m of servers) expect(m.peerUrls[0]).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const leader = await within(agreedLeader(servers), 10_000, 'election');
    const follower = servers.find((m) => m !== leader);
    if (follower === undefined) throw new Error('three members, one leader: a follower exists');
    await within(follower.kv.put({ key: b('k'), value: b('over-wss') }), 5000, 'put via follower');
    for (const m of servers) {
      const got = await within(m.kv.range({ key: b('k') }), 5000, 'linearizable read');
      expect(s(got.kvs[0]?.value)).toBe('over-wss');
    }
  }, 30_000);

  it('refuses a member whose certificate comes from another CA', async () => {
    const m0Log = new WarningLog();
    const servers = await startCluster(
      (i) => certs.tls(i === 2 ? 'rogue' : `m${i}`, { ca: 'ca', clientCertAuth: true }),
      [m0Log.logger],
    );
    const [m0, m1, rogue] = servers as [Server, Server, Server];
    await within(agreedLeader([m0, m1]), 10_000, 'election of the two trusted members');
    await within(m0.kv.put({ key: b('k'), value: b('v') }), 5000, 'put');
    expect(s((await within(m1.kv.range({ key: b('k') }), 5000, 'read')).kvs[0]?.value)).toBe('v');
    // The trusted members refuse the rogue one's connections, and cannot verify its server.
    await within(m0Log.seen(/^TLS refused for /), 10_000, 'refusal of the rogue');
    const rogueId = rogue.memberId.toString(16);
    await within(
      m0Log.seen(new RegExp(`^cannot reach member ${rogue.memberId} .*certificate`)),
      10_000,
      `m0 failing to verify the rogue member's certificate (${rogueId})`,
    );
    // Isolated from both, the rogue member has heard of no leader and holds nothing.
    expect(rogue.leaderId).toBe(0);
    expect((await rogue.kv.range({ key: b('k'), serializable: true })).kvs).toEqual([]);
  }, 30_000);
});

/** A member `name` on https peer URL `url` with peer mutual TLS from `cert` (CA "ca"). */
function httpsMember(name: string, url: string, extra: ServerConfig & { cert?: string } = {}) {
  const { cert, ...rest } = extra;
  const peerTls = certs.tls(cert ?? name, { ca: 'ca', clientCertAuth: true });
  return t.config(name, url, { peerTls, ...rest });
}

describe('joining over https peer URLs', () => {
  it('a new member fetches the member list with its peer TLS (private CA, mutual TLS)', async () => {
    const [u0, u1] = (await freePeerUrls(2, 'https')) as [string, string];
    const m0 = await t.start(httpsMember('m0', u0));
    await within(m0.ready, 5000, 'm0 ready');
    await m0.kv.put({ key: b('k'), value: b('before the join') });
    const added = await m0.cluster.addMember([u1], { isLearner: true });
    const cluster = `m0=${u0},m1=${u1}`;
    // A certificate of another CA: m0 refuses it, and the join says why.
    const rogue = httpsMember('m1', u1, {
      clusterState: 'existing',
      initialCluster: cluster,
      peerTls: certs.tls('rogue', { ca: 'rogue-ca', clientCertAuth: true }),
    });
    await expect(startServer(rogue, { unsafeNoSync: true })).rejects.toSatisfy(
      (e: unknown) => isEmbedError(e, 'INVALID_CONFIG') && e.field === 'initialCluster',
    );
    const joining = httpsMember('m1', u1, { clusterState: 'existing', initialCluster: cluster });
    const m1 = await t.start({ ...joining, dataDir: `${t.dir}/m1-good` });
    expect(m1.memberId).toBe(added.member.id);
    await within(m1.ready, 10_000, 'm1 ready');
    const got = await within(m1.kv.range({ key: b('k') }), 10_000, 'read on the learner');
    expect(s(got.kvs[0]?.value)).toBe('before the join');
  }, 30_000);
});
