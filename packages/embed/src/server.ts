// startServer(config): a member composed of raft-core (RawNode), raft-wal (RaftLog), kv-mvcc
// (MvccStore), raft-transport-ws (peers) and etcd-grpc (clients), driven by one loop (driver.ts).
import type { ApplyRequest, ApplyResult, MvccStore } from '@keel/kv-mvcc';
import { RawNode } from '@keel/raft-core';
import type { RaftLog } from '@keel/raft-wal';
import type { LinkFaults, Transport } from '@keel/raft-transport-ws';
import { assert } from './assert.js';
import { openMemberStorage, type UnsafeOptions } from './bootstrap.js';
import { systemClock, type Cancel, type Clock } from './clock.js';
import type { ClusterFile } from './cluster-file.js';
import { resolveConfig, type Logger, type ResolvedConfig, type ServerConfig } from './config.js';
import { Driver, type DriverParts } from './driver.js';
import { EmbedError } from './errors.js';
import type { WatchCreateRequest, WatchHandle, WatchResponse } from '@keel/kv-mvcc';
import { createKvApi, type KvApi, type KvHost, type ResponseHeader } from './kv-api.js';
import { createLeaseApi, type LeaseApi } from './lease-api.js';
import { LeaseKeeper } from './lease-keeper.js';
import { AutoCompactor } from './auto-compactor.js';
import { Leadership, type LeaderChange, type LeaderWork } from './leadership.js';
import { requestTimeoutMs } from './limits.js';
import { startListeners, type Listeners } from './listeners.js';
import { silentLogger } from './logger.js';
import { ServerMetrics } from './metrics.js';
import { createRandomSource } from './random-source.js';
import { startPeerTransport, type PeerTransport } from './peers.js';
import { LogSnapshotter } from './log-snapshotter.js';
import { createSnapshotReceiver } from './snapshot-receiver.js';
import { createMessageSink } from './snapshot-sender.js';
import { loadMemberTls } from './tls-files.js';

/** Options of `startServer` beyond the etcd config. */
export interface StartOptions extends UnsafeOptions {
  /** Time source; the real clock by default (a simulator can pass its own). */
  readonly clock?: Clock;
}

/** Options of `close()`. */
export interface CloseOptions {
  /** Skip handing leadership to another voter first (etcd's transfer on stop). */
  readonly skipLeaderTransfer?: boolean;
}

/** Everything a running member holds; released by `close()`. */
interface Parts {
  readonly config: ResolvedConfig;
  readonly identity: ClusterFile;
  readonly log: RaftLog;
  readonly kv: MvccStore;
  readonly driver: Driver;
  readonly leadership: Leadership;
  readonly metrics: ServerMetrics;
  readonly transport: Transport | undefined;
  readonly listeners: Listeners;
  readonly keeper: LeaseKeeper;
  readonly compactor: AutoCompactor;
  readonly stopTicks: Cancel;
}

/**
 * A running member. Created by `startServer`; see the package README for the contracts.
 */
export class Server {
  /** This member's ID (etcd's, derived from its peer URLs and the cluster token; 53 bits). */
  readonly memberId: number;
  /** The cluster's ID, derived from the founding members' IDs. */
  readonly clusterId: number;
  /** etcd's API in process: put, range, deleteRange, txn, compact. */
  readonly kv: KvApi;
  /** etcd's Lease API in process: grant, revoke, keepAlive, timeToLive, leases. */
  readonly lease: LeaseApi;
  /** Resolves once the member knows a leader and can serve; rejects STOPPED if closed first. */
  readonly ready: Promise<void>;
  readonly #parts: Parts;
  #closing: Promise<void> | undefined;
  #rejectReady: (e: unknown) => void = () => undefined;

  /** @internal Use `startServer`. */
  constructor(parts: Parts) {
    this.#parts = parts;
    this.memberId = parts.identity.memberId;
    this.clusterId = parts.identity.clusterId;
    this.ready = new Promise<void>((resolve, reject) => {
      this.#rejectReady = reject;
      if (parts.leadership.leaderId !== 0) resolve();
      const off = parts.leadership.onChange((c) => {
        if (c.leaderId === 0) return;
        off();
        resolve();
      });
    });
    // The caller may never await `ready`; a rejection at close must not become unhandled.
    this.ready.catch(() => undefined);
    const host: KvHost = {
      store: parts.kv,
      propose: (r) => this.propose(r),
      readBarrier: () => parts.driver.readBarrier(),
      header: () => this.header(),
      raiseNoSpace: () => this.#raiseNoSpace(),
      checkOpen: () => {
        this.checkOpen();
      },
    };
    this.kv = createKvApi(host);
    this.lease = createLeaseApi(host, parts.keeper);
  }

  /**
   * Watches a key or range on this member's store with etcd's semantics (kv-mvcc's watch):
   * `onResponse` gets the `created` response at once, then events in revision order.
   * @throws MvccError EMPTY_KEY, INVALID_ARGUMENT; EmbedError STOPPED
   */
  watch(req: WatchCreateRequest, onResponse: (r: WatchResponse) => void): WatchHandle {
    this.checkOpen();
    return this.#parts.kv.watch(req, onResponse);
  }

  /** The member's name (etcd's `--name`). */
  get name(): string {
    return this.#parts.config.name;
  }

  /** The bound client URLs (port 0 replaced by the port chosen). */
  get clientUrls(): readonly string[] {
    return this.#parts.listeners.clientUrls;
  }

  /** The bound metrics URLs (/metrics, /health, /livez, /readyz). */
  get metricsUrls(): readonly string[] {
    return this.#parts.listeners.metricsUrls;
  }

  /** The bound peer URL, or none for a member alone in its cluster. */
  get peerUrls(): readonly string[] {
    return this.#parts.listeners.peerUrls;
  }

  /** The known leader's ID, 0 when none. */
  get leaderId(): number {
    return this.#parts.leadership.leaderId;
  }

  /** The latest Raft term this member has seen. */
  get term(): number {
    return this.#parts.driver.term;
  }

  /** The last Raft index applied to the store on this member. */
  get appliedIndex(): number {
    return this.#parts.driver.applied;
  }

  /** etcd's `--quota-backend-bytes` of this member. */
  get quotaBackendBytes(): number {
    return this.#parts.config.quotaBackendBytes;
  }

  /** The cluster's members as this member knows them. */
  get members(): ClusterFile['members'] {
    return this.#parts.identity.members;
  }

  /** The server's Prometheus metrics (also served on `listenMetricsUrls`). */
  get metrics(): ServerMetrics {
    return this.#parts.metrics;
  }

  /** Whether this member leads now. */
  isLeader(): boolean {
    return this.#parts.leadership.isLeader();
  }

  /** Calls `listener` on every leader change, losses included, until the returned function runs. */
  onLeaderChange(listener: (change: LeaderChange) => void): () => void {
    return this.#parts.leadership.onChange(listener);
  }

  /** Leader changes from now on, as an async iterator; ends at `signal` or close. */
  leaderChanges(options: { signal?: AbortSignal } = {}): AsyncGenerator<LeaderChange> {
    return this.#parts.leadership.changes(options);
  }

  /**
   * Runs `fn(signal, { term })` each time this member becomes leader; `signal` aborts the moment
   * it stops leading. Resolves at `options.signal` or close.
   */
  runWhileLeader(fn: LeaderWork, options: { signal?: AbortSignal } = {}): Promise<void> {
    return this.#parts.leadership.runWhileLeader(fn, options);
  }

  /** The response header for an answer given now. */
  header(): ResponseHeader {
    return {
      clusterId: this.clusterId,
      memberId: this.memberId,
      revision: this.#parts.kv.revision,
      raftTerm: this.#parts.driver.term,
    };
  }

  /** @internal Proposes a kv-mvcc request through Raft (used by the APIs). */
  propose(request: ApplyRequest): Promise<ApplyResult> {
    return this.#parts.driver.propose(request, this.#parts.config.maxRequestBytes);
  }

  /** @internal Waits for a linearizable read point (ReadIndex). */
  readBarrier(): Promise<unknown> {
    return this.#parts.driver.readBarrier();
  }

  /** @internal Raises the NOSPACE alarm through Raft (see KvHost.raiseNoSpace). */
  raiseNoSpace(): Promise<void> {
    return this.#raiseNoSpace();
  }

  /** @internal @throws EmbedError STOPPED once `close()` was called. */
  checkOpen(): void {
    if (this.#closing !== undefined) {
      throw new EmbedError({ code: 'STOPPED', message: 'server is closed' });
    }
  }

  /** @internal The peer transport's fault table (tests only); none for a lone member. */
  get peerFaults(): LinkFaults | undefined {
    return this.#parts.transport?.faults;
  }

  /** @internal The member's store, for the gRPC backend's local reads. */
  get store(): MvccStore {
    return this.#parts.kv;
  }

  async #raiseNoSpace(): Promise<void> {
    const alarm = { action: 'ACTIVATE', memberID: this.memberId, alarm: 'NOSPACE' } as const;
    if (this.#parts.kv.alarms().some((a) => a.alarm === 'NOSPACE')) return;
    try {
      await this.propose({ alarm });
    } catch (e) {
      // The caller gets NO_SPACE either way; the next write that fails the quota check proposes
      // the alarm again, so a failure here is only logged.
      this.#logger.warn({ err: String(e) }, 'could not raise the NOSPACE alarm');
    }
  }

  get #logger(): Logger {
    return this.#parts.config.logger ?? silentLogger;
  }

  /**
   * Stops the member: when it leads a multi-member cluster, first hands leadership to the most
   * caught-up voter (unless `skipLeaderTransfer`); then listeners, timers, the loop (pending requests reject with STOPPED), the
   * transport, the WAL and the store, in that order. Idempotent; safe before `ready`.
   */
  close(options: CloseOptions = {}): Promise<void> {
    this.#closing ??= this.#shutdown(options.skipLeaderTransfer === true);
    return this.#closing;
  }

  async #shutdown(skipLeaderTransfer: boolean): Promise<void> {
    const p = this.#parts;
    // Hand leadership over first so the cluster does not wait an election timeout; bounded by
    // one election timeout, as Raft aborts a transfer that takes longer.
    const moved = skipLeaderTransfer
      ? false
      : await p.driver.transferLeadership(p.config.electionMs);
    if (moved)
      this.#logger.info({ leader: this.leaderId }, 'handed leadership over before closing');
    p.stopTicks();
    this.#rejectReady(new EmbedError({ code: 'STOPPED', message: 'server closed before ready' }));
    await p.listeners.close();
    await p.keeper.close();
    await p.compactor.close();
    await p.driver.stop();
    p.leadership.close();
    await p.transport?.close();
    await p.log.close();
    await p.kv.close();
  }
}

function createNode(config: ResolvedConfig, log: RaftLog, memberId: number): RawNode {
  return new RawNode({
    id: memberId,
    electionTick: Math.floor(config.electionMs / config.tickMs),
    heartbeatTick: 1,
    storage: log,
    random: createRandomSource(),
    applied: log.snapshot().metadata.index,
    preVote: config.preVote,
    checkQuorum: true,
  });
}

/** The leader-only work of a member: lease expiry and auto-compaction (started by the caller). */
function leaderWork(o: {
  config: ResolvedConfig;
  kv: MvccStore;
  clock: Clock;
  leadership: Leadership;
  logger: Logger;
  driver: Driver;
}): { keeper: LeaseKeeper; compactor: AutoCompactor } {
  const common = {
    store: o.kv,
    clock: o.clock,
    leadership: o.leadership,
    logger: o.logger,
    propose: (r: ApplyRequest) => o.driver.propose(r, o.config.maxRequestBytes),
  };
  return {
    keeper: new LeaseKeeper(common),
    compactor: new AutoCompactor({ ...common, mode: o.config.autoCompaction }),
  };
}

/** The driver loop over the member's parts, sending through the peer transport (if any). */
function createDriver(
  o: Pick<DriverParts, 'node' | 'log' | 'kv' | 'clock' | 'leadership' | 'metrics' | 'logger'> & {
    readonly config: ResolvedConfig;
  },
  peers: PeerTransport,
): Driver {
  const { config, log, kv, metrics, logger } = o;
  const sink = createMessageSink(peers.transport, {
    kv,
    metrics,
    logger,
    report: (peer, ok) => {
      driver.inbox.pushUrgent({ kind: 'snapshot-status', peer, ok });
    },
  });
  const driver: Driver = new Driver({
    ...o,
    memberId: o.node.status().id,
    sink,
    requestTimeoutMs: requestTimeoutMs(config.electionMs),
    appliedIndex: log.snapshot().metadata.index,
    dataDir: config.dataDir,
    snapshotter: new LogSnapshotter({ log, kv, config, metrics, logger }),
  });
  return driver;
}

/**
 * Starts a member: opens (or bootstraps) its data directory, binds its peer, client and metrics
 * listeners, and starts the driver loop. Resolves once listeners are bound; `server.ready`
 * resolves once it can serve.
 *
 * @throws EmbedError INVALID_CONFIG naming the field; errors of binding a port or opening storage.
 * @example
 * const server = await startServer({ name: 'a', dataDir: '/var/lib/app/a',
 *   listenClientUrls: ['http://127.0.0.1:0'], advertiseClientUrls: ['http://127.0.0.1:0'] });
 * await server.ready;
 * await server.kv.put({ key: Buffer.from('k'), value: Buffer.from('v') });
 * await server.close();
 */
export async function startServer(
  input: ServerConfig,
  options: StartOptions = {},
): Promise<Server> {
  const config = resolveConfig(input);
  const clock = options.clock ?? systemClock;
  const logger = config.logger ?? silentLogger;
  const tls = loadMemberTls(config, logger);
  const storage = await openMemberStorage(config, options);
  const { identity, log, kv } = storage;
  const cleanup: (() => Promise<void>)[] = [() => log.close(), () => kv.close()];
  try {
    const node = createNode(config, log, identity.memberId);
    const metrics = new ServerMetrics();
    const leadership = new Leadership(identity.memberId);
    const onSnapshot = createSnapshotReceiver({ dataDir: config.dataDir, metrics, logger });
    const peerTls = tls.peer !== undefined;
    const peers = await startPeerTransport({ config, identity, logger, onSnapshot, peerTls });
    const driver = createDriver(
      { config, node, log, kv, clock, leadership, metrics, logger },
      peers,
    );
    peers.connect(driver.inbox);
    if (peers.transport !== undefined)
      cleanup.unshift(() => peers.transport?.close() ?? Promise.resolve());
    const ref: { server?: Server } = {};
    const listeners = await startListeners({
      config,
      metrics,
      peerUrls: peers.urls,
      clientTls: tls.client,
      backend: () => {
        assert(ref.server !== undefined, 'the backend is used only once the server exists');
        return ref.server;
      },
      health: {
        hasLeader: () => leadership.leaderId !== 0,
        alarms: () => kv.alarms().map((a) => a.alarm),
        isReady: () => leadership.leaderId !== 0,
      },
    });
    cleanup.unshift(() => listeners.close());
    const { keeper, compactor } = leaderWork({ config, kv, clock, leadership, logger, driver });
    // A member alone in its configuration need not wait an election timeout to lead.
    const voters = node.status().config.voters;
    if (voters.length === 1 && voters[0] === identity.memberId) node.campaign();
    const stopTicks = clock.every(config.tickMs, () => {
      driver.inbox.pushUrgent({ kind: 'tick' });
    });
    const parts = { config, identity, log, kv, driver, leadership, metrics, listeners, keeper };
    keeper.start();
    compactor.start();
    const server = new Server({ ...parts, compactor, stopTicks, transport: peers.transport });
    ref.server = server;
    driver.start((e) => {
      logger.error({ err: String(e) }, 'member stopped on a fatal error; closing');
      void server.close().catch(() => undefined);
    });
    return server;
  } catch (e) {
    for (const release of cleanup) await release().catch(() => undefined);
    throw e;
  }
}
