// Test support for the tests that run members in one process: a temp directory with the members
// a test (or a file) started in it, closed and removed afterwards; a lone member's config, and
// member configs on loopback peer URLs picked free first (member IDs derive from peer URLs, so
// they must be known before any member starts); a wait until members agree on a leader; and
// asking a membership change again while it is refused for a passing reason.
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import {
  isEmbedError,
  startServer,
  type CloseOptions,
  type EmbedErrorCode,
  type Server,
  type ServerConfig,
  type StartOptions,
  type TlsConfig,
} from '../src/index.js';
import { freePorts, pause, tempDir } from './helpers.js';

/** The tick of the members `TestMembers.config` describes, in ms. */
export const testTickMs = 20;
/** The election timeout of the members `TestMembers.config` describes, in ms. */
export const testElectionMs = 200;

/**
 * Start options that keep fsync on, for the tests that check durability or run one member for a
 * whole file; `TestMembers.start` skips fsync otherwise.
 */
export const withFsync: StartOptions = {};

/** `count` peer URLs `<scheme>://127.0.0.1:<port>` on ports that were free a moment ago. */
export async function freePeerUrls(
  count: number,
  scheme: 'http' | 'https' = 'http',
): Promise<string[]> {
  return (await freePorts(count)).map((p) => `${scheme}://127.0.0.1:${p}`);
}

/** etcd's `--initial-cluster` value naming the member at `urls[i]` `<prefix><i>`. */
export function initialClusterOf(urls: readonly string[], prefix = 'm'): string {
  return urls.map((u, i) => `${prefix}${i}=${u}`).join(',');
}

/** Resolves once every member in `members` names the same leader, one of them (bound it with
 * `within`: it waits on leader-change events, with no deadline of its own). */
export function agreedLeader(members: readonly Server[]): Promise<Server> {
  return new Promise((resolve) => {
    const offs: (() => void)[] = [];
    const check = (): void => {
      const lead = members[0]?.leaderId ?? 0;
      const leader = members.find((m) => m.memberId === lead);
      if (lead === 0 || leader === undefined || !members.every((m) => m.leaderId === lead)) return;
      for (const off of offs) off();
      resolve(leader);
    };
    for (const m of members) offs.push(m.onLeaderChange(check));
    check();
  });
}

/**
 * Calls `fn` until it stops failing with one of the retryable `codes` (trying again every
 * 100 ms), within `ms`, as an operator asks again a change refused while members connect or a
 * learner catches up. Rethrows any other failure, and the last one after the deadline.
 */
export async function untilAccepted<T>(
  fn: () => Promise<T>,
  codes: readonly EmbedErrorCode[],
  ms = 20_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (!codes.some((c) => isEmbedError(e, c)) || Date.now() > deadline) throw e;
      await pause(100);
    }
  }
}

/** How `TestMembers.founderConfigs` lays out a new cluster of members m0..m<count - 1>. */
export interface FounderOptions {
  /** How many members; 3 by default. */
  readonly count?: number;
  /** With this, the peer URLs are https and member i gets `peerTls: peerTlsOf(i)`. */
  readonly peerTlsOf?: (i: number) => TlsConfig;
  /** Config laid over member i's (snapshot counts, a logger...). */
  readonly extraOf?: (i: number) => ServerConfig;
}

/**
 * A temp directory and the members a test started in it. Get one from `testMembers()`, which
 * creates the directory before and closes the members and removes it after each test (or file).
 */
export class TestMembers {
  readonly #dirOf: () => string;
  /** The members to close at the end (closing is idempotent, so a closed one may stay). */
  servers: Server[] = [];

  /** `dirOf` gives the temp directory of the running test (or file). */
  constructor(dirOf: () => string) {
    this.#dirOf = dirOf;
  }

  /** The temp directory of the running test (or file). */
  get dir(): string {
    return this.#dirOf();
  }

  /**
   * Member `name` on peer URL `peerUrl` with its data in `<dir>/<name>`, client URLs on port 0,
   * ticks of 20 ms and an election timeout of 200 ms; `extra` is laid over it.
   */
  config(name: string, peerUrl: string, extra: ServerConfig = {}): ServerConfig {
    return {
      name,
      dataDir: `${this.dir}/${name}`,
      listenPeerUrls: [peerUrl],
      initialAdvertisePeerUrls: [peerUrl],
      listenClientUrls: ['http://127.0.0.1:0'],
      advertiseClientUrls: ['http://127.0.0.1:0'],
      tickMs: testTickMs,
      electionMs: testElectionMs,
      ...extra,
    };
  }

  /**
   * A lone member `name` with its data in `<dir>` itself, client URLs on port 0, ticks of 10 ms
   * and an election timeout of 100 ms (it needs no peers to lead); `extra` is laid over it.
   */
  soloConfig(name: string, extra: ServerConfig = {}): ServerConfig {
    return {
      name,
      dataDir: this.dir,
      listenClientUrls: ['http://127.0.0.1:0'],
      advertiseClientUrls: ['http://127.0.0.1:0'],
      tickMs: 10,
      electionMs: 100,
      ...extra,
    };
  }

  /** The configs of members m0..m<count - 1> founding one cluster on free peer URLs. */
  async founderConfigs(options: FounderOptions = {}): Promise<ServerConfig[]> {
    const { count = 3, peerTlsOf, extraOf } = options;
    const urls = await freePeerUrls(count, peerTlsOf === undefined ? 'http' : 'https');
    const initialCluster = initialClusterOf(urls);
    return urls.map((url, i) =>
      this.config(`m${i}`, url, {
        initialCluster,
        ...(peerTlsOf === undefined ? {} : { peerTls: peerTlsOf(i) }),
        ...extraOf?.(i),
      }),
    );
  }

  /**
   * Starts a member from `config` and keeps it for closing. Without fsync unless `options` say
   * otherwise (`withFsync`): these are temp directories on a test machine, and durability across
   * restarts with fsync on is covered by the single-member tests.
   */
  async start(
    config: ServerConfig,
    options: StartOptions = { unsafeNoSync: true },
  ): Promise<Server> {
    const server = await startServer(config, options);
    this.servers.push(server);
    return server;
  }

  /** Starts the members of `founderConfigs(options)`, in the order of their names. */
  async startFounders(options: FounderOptions = {}): Promise<Server[]> {
    const configs = await this.founderConfigs(options);
    return Promise.all(configs.map((c) => this.start(c)));
  }
}

/**
 * A `TestMembers` whose directory is made before each test (with `perFile`, once before the
 * file's tests) and whose members are closed with `close` before the directory is removed after.
 */
export function testMembers(
  options: { close?: CloseOptions; perFile?: boolean } = {},
): TestMembers {
  let made: { dir: string; remove: () => Promise<void> } | undefined;
  const t = new TestMembers(() => {
    if (made === undefined) throw new Error('no temp directory outside a test');
    return made.dir;
  });
  const [before, after] =
    options.perFile === true ? [beforeAll, afterAll] : [beforeEach, afterEach];
  before(async () => {
    made = await tempDir();
  });
  after(async () => {
    await Promise.all(t.servers.map((m) => m.close(options.close)));
    t.servers = [];
    await made?.remove();
    made = undefined;
  });
  return t;
}
