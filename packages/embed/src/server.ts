// startServer(config): a member composed of raft-core (RawNode), raft-wal (RaftLog), kv-mvcc
// (MvccStore), raft-transport-ws (peers) and etcd-grpc (clients), driven by one loop (driver.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApplyRequest, ApplyResult, MvccStore } from '@keel/kv-mvcc';
import { RawNode } from '@keel/raft-core';
import type { RaftLog } from '@keel/raft-wal';
import type { LinkFaults } from '@keel/raft-transport-ws';
import { assert } from './assert.js';
import { openMemberStorage, type UnsafeOptions } from './bootstrap.js';
import { systemClock, type Cancel, type Clock } from './clock.js';
import type { ClusterMember } from './cluster-file.js';
import { createClusterSide, type ClusterApi } from './cluster-api.js';
import { resolveConfig, type Logger, type ResolvedConfig, type ServerConfig } from './config.js';
import { Driver, type DriverParts } from './driver.js';
import { EmbedError } from './errors.js';
import { formatMemberId } from './member-id.js';
import { membersHandler } from './join.js';
import { LeaderForwarder } from './leader-forwarder.js';
import { handlePromoteHttp, type PromoteOnLeader } from './promote-http.js';
import { Membership } from './membership.js';
import { Publisher } from './publisher.js';
import type { WatchCreateRequest, WatchHandle, WatchResponse } from '@keel/kv-mvcc';
import { createKvApi, type KvApi, type KvHost, type ResponseHeader } from './kv-api.js';
import { createLeaseSide, type LeaseApi } from './lease-api.js';
import { createMaintenanceApi, type MaintenanceApi } from './maintenance-api.js';
import { handleLeaseHttp } from './lease-http.js';
import type { LeaseLeaderOps } from './lease-leader.js';
import type { LeaseForwarder } from './lease-forwarder.js';
import type { LoadedTls } from '@keel/raft-transport-ws';
import { LeaseKeeper } from './lease-keeper.js';
import { AutoCompactor } from './auto-compactor.js';
import { Leadership, type LeaderChange, type LeaderWork } from './leadership.js';
import { removedStopDelayMs, requestTimeoutMs } from './limits.js';
import { startListeners, type Listeners } from './listeners.js';
import { silentLogger } from './logger.js';
import { ServerMetrics } from './metrics.js';
import { createRandomSource } from './random-source.js';
import { PeerTransport } from './peers.js';
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
  readonly membership: Membership;
  readonly log: RaftLog;
  readonly kv: MvccStore;
  readonly driver: Driver;
  readonly leadership: Leadership;
  readonly metrics: ServerMetrics;
  readonly peers: PeerTransport;
  readonly listeners: Listeners;
  readonly keeper: LeaseKeeper;
  readonly compactor: AutoCompactor;
  readonly publisher: Publisher;
  readonly stopTicks: Cancel;
  readonly clock: Clock;
  readonly peerTls: LoadedTls | undefined;
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
  /** etcd's Cluster API in process: members, add, promote, remove, update; moveLeader. */
  readonly cluster: ClusterApi;
  /** etcd's Maintenance API in process: status, hashKV, alarms, defragment, snapshot. */
  readonly maintenance: MaintenanceApi;
  /** Resolves once the member has stopped: closed, removed from the cluster, or failed. */
  readonly stopped: Promise<void>;
  /** Resolves once the member knows a leader and can serve; rejects STOPPED if closed first. */
  readonly ready: Promise<void>;
  readonly #parts: Parts;
  readonly #leaseLeaderOps: LeaseLeaderOps;
  readonly #leaseForwarder: LeaseForwarder;
  readonly #promoteOnLeader: PromoteOnLeader;
  readonly #promoteForwarder: LeaderForwarder;
  #closing: Promise<void> | undefined;
  #stopReason: unknown;
  #rejectReady: (e: unknown) => void = () => undefined;
  #resolveStopped: () => void = () => undefined;

  /** @internal Use `startServer`. */
  constructor(parts: Parts) {
    this.#parts = parts;
    this.memberId = parts.membership.memberId;
    this.clusterId = parts.membership.clusterId;
    this.stopped = new Promise((resolve) => {
      this.#resolveStopped = resolve;
    });
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
    const leaseSide = createLeaseSide(host, {
      ...{ keeper: parts.keeper, leadership: parts.leadership, membership: parts.membership },
      ...{ clock: parts.clock, peerTls: parts.peerTls },
      requestTimeoutMs: requestTimeoutMs(parts.config.electionMs),
    });
    this.lease = leaseSide.api;
    this.maintenance = createMaintenanceApi({
      kv: host,
      logger: this.#logger,
      quotaBackendBytes: parts.config.quotaBackendBytes,
      raft: () => ({
        ...{ leader: this.leaderId, term: this.term, applied: this.appliedIndex },
        isLearner: this.isLearner,
      }),
    });
    this.#leaseLeaderOps = leaseSide.leaderOps;
    this.#leaseForwarder = leaseSide.forwarder;
    this.#promoteForwarder = new LeaderForwarder({
      ...{ leadership: parts.leadership, membership: parts.membership },
      ...{ clock: parts.clock, peerTls: parts.peerTls },
      requestTimeoutMs: requestTimeoutMs(parts.config.electionMs),
    });
    const clusterSide = createClusterSide({
      forwarder: this.#promoteForwarder,
      membership: parts.membership,
      driver: parts.driver,
      strictReconfigCheck: parts.config.strictReconfigCheck,
      maxLearners: parts.config.maxLearners,
      clusterToken: parts.config.initialClusterToken,
      requestTimeoutMs: requestTimeoutMs(parts.config.electionMs),
      header: () => this.header(),
      checkOpen: () => {
        this.checkOpen();
      },
      isLeader: () => this.isLeader(),
      connectedForMs: (id) => parts.peers.connectedForMs(id),
      peersStarted: () => parts.peers.start(),
    });
    this.cluster = clusterSide.api;
    this.#promoteOnLeader = clusterSide.promoteOnLeader;
  }

  /**
   * Why the member stopped by itself: `MEMBER_REMOVED` once removed from the cluster, or the
   * fatal error; undefined while it runs or after a plain `close()`.
   */
  get stopReason(): unknown {
    return this.#stopReason;
  }

  /** @internal Stops the member on its own (removal, fatal error), keeping the reason. */
  stopOn(reason: unknown): void {
    this.#stopReason ??= reason;
    void this.close({ skipLeaderTransfer: true }).catch((e: unknown) => {
      // Closing after a failure may fail again (e.g. the store already broke); it is logged.
      this.#logger.warn({ err: String(e) }, 'closing after a stop failed');
    });
  }

  /**
   * @internal A peer refused this member as removed from the cluster (it was removed while it
   * was down): it stops at once with MEMBER_REMOVED, as etcd stops on its peers' HTTP 410.
   */
  stopOnRemoval(peer: number): void {
    if (this.#stopReason !== undefined || this.#closing !== undefined) return;
    const message = 'the member has been permanently removed from the cluster';
    this.#logger.warn(
      { memberId: formatMemberId(this.memberId), peer: formatMemberId(peer) },
      `${message}; stopping`,
    );
    this.stopOn(new EmbedError({ code: 'MEMBER_REMOVED', message }));
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

  /** The bound peer URL, or none while the member is alone in its cluster. */
  get peerUrls(): readonly string[] {
    return this.#parts.peers.urls;
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

  /** The cluster's members as this member has applied them, by ascending ID. */
  get members(): readonly ClusterMember[] {
    return this.#parts.membership.list();
  }

  /** Whether this member is a learner (non-voting) now. */
  get isLearner(): boolean {
    return this.#parts.membership.get(this.memberId)?.isLearner === true;
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
    return this.#parts.peers.transport?.faults;
  }

  /** @internal The leader's lease answers, served to followers over the peer listener. */
  get leaseLeaderOps(): LeaseLeaderOps {
    return this.#leaseLeaderOps;
  }

  /** @internal The leader's promotion of a learner, served to followers over the peer listener. */
  get promoteOnLeader(): PromoteOnLeader {
    return this.#promoteOnLeader;
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
    this.#closing ??= this.#shutdown(options.skipLeaderTransfer === true).finally(() => {
      this.#resolveStopped();
    });
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
    p.publisher.close();
    this.#rejectReady(new EmbedError({ code: 'STOPPED', message: 'server closed before ready' }));
    await p.listeners.close();
    this.#leaseForwarder.close();
    this.#promoteForwarder.close();
    await p.keeper.close();
    await p.compactor.close();
    await p.driver.stop();
    p.leadership.close();
    await p.peers.close();
    await p.log.close();
    // The store commits without waiting for its flush: make everything applied durable before
    // closing (a store a failed batch broke refuses; its state is replayed from the log).
    if (p.driver.failure === undefined) {
      await p.kv.flush();
      assert(p.kv.durableIndex >= p.kv.consistentIndex, 'a closed store is durable');
    }
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
    // A leader removed from the cluster steps down (and hands over to a caught-up voter).
    stepDownOnRemoval: true,
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
    keeper: new LeaseKeeper({
      ...common,
      promoteExtendMs: o.config.electionMs,
      checkpointIntervalMs: o.config.enableLeaseCheckpoint
        ? o.config.leaseCheckpointIntervalMs
        : undefined,
    }),
    compactor: new AutoCompactor({ ...common, mode: o.config.autoCompaction }),
  };
}

/** The driver loop over the member's parts, sending through the peer transport (if any). */
function createDriver(
  o: Pick<
    DriverParts,
    'node' | 'log' | 'kv' | 'clock' | 'leadership' | 'metrics' | 'logger' | 'membership'
  > & {
    readonly config: ResolvedConfig;
  },
  peers: PeerTransport,
): Driver {
  const { config, log, kv, metrics, logger, membership } = o;
  const sink = createMessageSink(() => peers.transport, {
    kv,
    membership,
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
  const joining = { peerTls: tls.peer, clock };
  const { identity, log, kv } = await openMemberStorage(config, options, joining);
  const membership = new Membership(config.dataDir, identity);
  const cleanup: (() => Promise<void>)[] = [() => log.close(), () => kv.close()];
  try {
    const node = createNode(config, log, identity.memberId);
    const metrics = new ServerMetrics();
    const leadership = new Leadership(identity.memberId);
    const onSnapshot = createSnapshotReceiver({ dataDir: config.dataDir, metrics, logger });
    const ref: { server?: Server } = {};
    const peers = new PeerTransport({
      ...{ config, membership, logger, onSnapshot, peerTls: tls.peer !== undefined },
      onHttpRequest: peerHttp(membership, () => ref.server),
      onRemoved: (peer) => ref.server?.stopOnRemoval(peer),
    });
    cleanup.unshift(() => peers.close());
    await peers.start();
    const driver = createDriver(
      { config, node, log, kv, clock, leadership, metrics, logger, membership },
      peers,
    );
    peers.connect(driver.inbox);
    const listeners = await startListeners({
      config,
      metrics,
      peerUrls: peers.urls,
      clientTls: tls.client,
      backend: () => serverOf(ref),
      health: {
        hasLeader: () => leadership.leaderId !== 0,
        alarms: () => kv.alarms().map((a) => a.alarm),
        isReady: () => leadership.leaderId !== 0,
      },
    });
    cleanup.unshift(() => listeners.close());
    const { keeper, compactor } = leaderWork({ config, kv, clock, leadership, logger, driver });
    const publisher = new Publisher({
      ...{ name: config.name, membership, driver, leadership, clock, logger },
      clientUrls: () => publishedClientUrls(config, listeners),
    });
    // A member alone in its configuration need not wait an election timeout to lead.
    const voters = node.status().config.voters;
    if (voters.length === 1 && voters[0] === identity.memberId) node.campaign();
    const stopTicks = clock.every(config.tickMs, () => {
      driver.inbox.pushUrgent({ kind: 'tick' });
    });
    const parts = { config, membership, log, kv, driver, leadership, metrics, listeners, keeper };
    const more = { compactor, publisher, stopTicks, peers, clock, peerTls: tls.peer };
    const server = new Server({ ...parts, ...more });
    ref.server = server;
    followMembership({ server, membership, peers, clock, logger, graceMs: config.electionMs });
    for (const part of [keeper, compactor, publisher]) part.start();
    driver.start((e) => {
      logger.error({ err: String(e) }, 'member stopped on a fatal error; closing');
      server.stopOn(e);
    });
    return server;
  } catch (e) {
    for (const release of cleanup) await release().catch(() => undefined);
    throw e;
  }
}

/** The server, once `startServer` has built it (the backend is used only from then on). */
function serverOf(ref: { server?: Server }): Server {
  assert(ref.server !== undefined, 'the backend is used only once the server exists');
  return ref.server;
}

/**
 * The peer listener's plain HTTP: lease requests and promotions forwarded by followers, the
 * join's members.
 */
function peerHttp(
  membership: Membership,
  server: () => Server | undefined,
): (req: IncomingMessage, res: ServerResponse) => void {
  const members = membersHandler(membership);
  return (req, res) => {
    if (handleLeaseHttp(req, res, () => server()?.leaseLeaderOps)) return;
    if (!handlePromoteHttp(req, res, () => server()?.promoteOnLeader)) members(req, res);
  };
}

/** The client URLs a member publishes: the advertised ones, or the bound ones for port 0. */
function publishedClientUrls(config: ResolvedConfig, listeners: Listeners): readonly string[] {
  const advertised = config.advertiseClientUrls;
  return advertised.some((u) => new URL(u).port === '0') ? listeners.clientUrls : advertised;
}

/**
 * Keeps the peers in step with the applied membership: a new member (or new peer URLs) is
 * dialled; a removed one is dropped after `graceMs`, so the messages that tell it the removal is
 * committed can still leave; this member's own removal stops it (etcd: "the member has been
 * permanently removed from the cluster").
 */
function followMembership(o: {
  server: Server;
  membership: Membership;
  peers: PeerTransport;
  clock: Clock;
  logger: Logger;
  graceMs: number;
}): void {
  o.membership.setEffects({
    peerChanged: (m) => {
      o.peers.setPeer(m.id, m.peerUrls[0] ?? '');
    },
    removed: (id) => {
      if (id !== o.membership.memberId) {
        o.clock.after(o.graceMs, () => {
          o.peers.removePeer(id);
        });
        return;
      }
      const message = 'the member has been permanently removed from the cluster';
      o.logger.warn({ memberId: id.toString(16) }, `${message}; stopping`);
      o.clock.after(removedStopDelayMs, () => {
        o.server.stopOn(new EmbedError({ code: 'MEMBER_REMOVED', message }));
      });
    },
  });
}
