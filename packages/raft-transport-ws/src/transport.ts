// The transport: one server for inbound connections, one PeerLink per peer holding the pair's
// stream connection. See the README's "Connection layout" for how the pieces fit. The send path is synchronous:
// `send` encodes each message once and queues it; frames leave from a microtask at the turn's end.
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server as HttpServer,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { performance } from 'node:perf_hooks';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Message } from '@keel/raft-core';
import { localMessageTypes } from '@keel/raft-core';
import { assert } from './assert.js';
import { encodeMessage } from './codec.js';
import { checkConfig, checkPeer, type SnapshotStatus, type TransportConfig } from './config.js';
import { newContext, silentLogger, type TransportContext, type TransportStats } from './context.js';
import { TransportError } from './errors.js';
import { FaultTable, type LinkFaults } from './faults.js';
import { closeCodes } from './handshake.js';
import { acceptConnection, type InboundHost } from './inbound.js';
import { resolveLimits, snapshotsInboundMax } from './limits.js';
import { PeerLink } from './peer-link.js';
import { sendSnapshotStream, type SnapshotSource } from './snapshot-sender.js';
import { loadTls, type LoadedTls } from './tls.js';

/** A member's peer transport. Create it with `createTransport`. */
export interface Transport {
  /**
   * Loads TLS files, listens, and starts dialling peers. Idempotent: a second call returns the
   * same promise. Resolves with the URL peers should dial (with the bound port).
   * @throws TransportError `INVALID_CONFIG` for bad TLS files, `CLOSED` after close().
   */
  start(): Promise<{ readonly url: string }>;
  /**
   * Queues messages for their peers; never blocks and never throws for network conditions.
   * A message to an unknown, disconnected or backed-up peer is dropped, counted, and the peer is
   * reported to `onUnreachable` in a later turn (Raft tolerates loss).
   * @throws TransportError `CLOSED` after close().
   */
  send(messages: readonly Message[]): void;
  /**
   * Streams a snapshot to `message.to`: `message` is the MsgSnap (its `snapshot.data` should be
   * empty) and `chunks` the body. Resolves with the status also passed to `onSnapshotStatus`.
   * @throws TransportError `PEER_UNKNOWN` for an unknown peer, `CLOSED` after close().
   */
  sendSnapshot(message: Message, chunks: SnapshotSource): Promise<SnapshotStatus>;
  /** Adds (or re-addresses) a peer and dials it once started. @throws `INVALID_CONFIG`. */
  addPeer(peer: number, url: string): void;
  /** Removes a peer and closes its connections. @throws `PEER_UNKNOWN`. */
  removePeer(peer: number): void;
  /**
   * `performance.now()` at which the stream connection with `peer` last came up after being
   * down, or undefined while not connected. embed derives etcd's "connected for 5 s".
   */
  connectedSinceMs(peer: number): number | undefined;
  /** Milliseconds `peer` has been continuously connected; 0 when it is not. */
  connectedForMs(peer: number): number;
  /** A copy of the counters. */
  stats(): TransportStats;
  /** Fault injection for tests; off until a fault is set. */
  readonly faults: LinkFaults;
  /** Closes every connection and the server. Idempotent. */
  close(): Promise<void>;
}

function closedError(): TransportError {
  return new TransportError({ code: 'CLOSED', message: 'the transport is closed' });
}

class WsTransport implements Transport, InboundHost {
  readonly ctx: TransportContext;
  readonly faults = new FaultTable();
  readonly onSnapshot: TransportConfig['onSnapshot'];
  private readonly links = new Map<number, PeerLink>();
  private server: HttpServer | undefined;
  private wss: WebSocketServer | undefined;
  private started: Promise<{ readonly url: string }> | undefined;
  private closed: Promise<void> | undefined;
  private snapshotsInbound = 0;
  private readonly snapshotSockets = new Set<WebSocket>();

  constructor(private readonly config: TransportConfig) {
    checkConfig(config);
    this.ctx = newContext({
      memberId: config.memberId,
      clusterId: config.clusterId,
      clusterToken: config.clusterToken,
      limits: resolveLimits(config.limits),
      logger: config.logger ?? silentLogger,
      random: config.random ?? Math.random,
      onUnreachable: config.onUnreachable,
      ...(config.onRemoved === undefined ? {} : { onRemoved: config.onRemoved }),
    });
    this.onSnapshot = config.onSnapshot;
    for (const [peer, url] of config.peers ?? [])
      this.links.set(peer, new PeerLink(this, peer, url));
  }

  start(): Promise<{ readonly url: string }> {
    if (this.closed !== undefined) return Promise.reject(closedError());
    this.started ??= this.listen();
    return this.started;
  }

  private async listen(): Promise<{ readonly url: string }> {
    const tls = this.config.tls === undefined ? undefined : loadTls(this.config.tls);
    if (tls !== undefined) {
      this.ctx.clientTls = { cert: tls.cert, key: tls.key, ...(tls.ca ? { ca: tls.ca } : {}) };
    }
    const server = makeServer(tls);
    this.server = server;
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (this.config.onHttpRequest !== undefined) this.config.onHttpRequest(req, res);
      else res.writeHead(404).end();
    });
    const wss = new WebSocketServer({
      server,
      maxPayload: this.ctx.limits.frameBytesMax,
      perMessageDeflate: false,
      clientTracking: true,
    });
    this.wss = wss;
    // ws re-emits the http server's errors on the WebSocketServer; they are handled on the
    // server itself (listen failure, then watchServer), so here they need only a listener.
    wss.on('error', () => undefined);
    wss.on('connection', (ws, req) => {
      acceptConnection(
        this,
        ws,
        `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? 0}`,
      );
    });
    const { host, port } = this.config.listen;
    await new Promise<void>((resolve, reject) => {
      const fail = (err: Error): void => {
        const message = `cannot listen on ${host}:${port}: ${err.message}`;
        reject(new TransportError({ code: 'INVALID_CONFIG', message, cause: err }));
      };
      server.once('error', fail);
      server.listen(port, host, () => {
        server.off('error', fail);
        resolve();
      });
    });
    this.watchServer(server);
    const address = server.address();
    assert(address !== null && typeof address === 'object', 'a listening server has an address');
    if (this.closed === undefined) for (const link of this.links.values()) link.start();
    const hostPart = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return { url: `${tls === undefined ? 'ws' : 'wss'}://${hostPart}:${address.port}` };
  }

  /** Logs server-level failures (once per cause) instead of letting them crash the process. */
  private watchServer(server: HttpServer): void {
    server.on('error', (err) => {
      this.ctx.logOnce(`server:${err.message}`, `peer server error: ${err.message}`, {});
    });
    // A client that fails TLS (no certificate under mTLS, wrong CA) never reaches the handshake.
    server.on('tlsClientError', (err: Error, socket: { remoteAddress?: string }) => {
      const from = socket.remoteAddress ?? '?';
      this.ctx.logOnce(`tls:${from}:${err.message}`, `TLS refused for ${from}: ${err.message}`, {
        code: 'HANDSHAKE_REFUSED',
      });
    });
  }

  send(messages: readonly Message[]): void {
    if (this.closed !== undefined) throw closedError();
    for (const m of messages) {
      assert(m.from === this.ctx.memberId, 'send: a message must come from this member');
      assert(!localMessageTypes.has(m.type), 'send: local messages never cross the network');
      const link = this.links.get(m.to);
      if (link === undefined) {
        this.ctx.stats.droppedUnknownPeer++;
        this.ctx.logOnce(`send:unknown:${m.to}`, `dropping messages to unknown member ${m.to}`, {
          code: 'PEER_UNKNOWN',
          peer: m.to,
        });
        continue;
      }
      if (this.faults.active && this.maybeFault(m, link)) continue;
      link.enqueue(encodeMessage(m));
    }
  }

  /** Applies the fault of `m`'s link; returns true when `m` was dropped or deferred. */
  private maybeFault(m: Message, link: PeerLink): boolean {
    const fault = this.faults.get(m.to);
    if (fault === undefined) return false;
    if (fault.partitioned === true || this.ctx.random() < (fault.dropRate ?? 0)) {
      this.ctx.stats.droppedByFaults++;
      return true;
    }
    if ((fault.delayMs ?? 0) === 0) return false;
    const encoded = encodeMessage(m);
    // Timers of equal duration fire in the order they were set, so a link's order holds.
    setTimeout(() => {
      if (this.links.get(m.to) === link) link.enqueue(encoded);
    }, fault.delayMs);
    return true;
  }

  async sendSnapshot(message: Message, chunks: SnapshotSource): Promise<SnapshotStatus> {
    if (this.closed !== undefined) throw closedError();
    assert(
      message.type === 'MsgSnap' && message.snapshot !== undefined,
      'sendSnapshot needs a MsgSnap',
    );
    assert(
      message.from === this.ctx.memberId,
      'sendSnapshot: a message must come from this member',
    );
    const link = this.links.get(message.to);
    if (link === undefined) {
      throw new TransportError({ code: 'PEER_UNKNOWN', message: `no peer ${message.to}` });
    }
    let status: SnapshotStatus = 'finish';
    try {
      const target = { peer: link.peer, url: link.url, sockets: this.snapshotSockets };
      await sendSnapshotStream(this.ctx, target, { message, chunks });
    } catch (e) {
      if (!(e instanceof TransportError)) throw e;
      status = 'failure';
      this.ctx.logger.warn(`snapshot to member ${link.peer} failed: ${e.message}`, {
        code: 'SNAPSHOT_FAILED',
        peer: link.peer,
      });
    }
    this.config.onSnapshotStatus?.(link.peer, status);
    return status;
  }

  addPeer(peer: number, url: string): void {
    if (this.closed !== undefined) throw closedError();
    checkPeer(this.ctx.memberId, peer, url);
    const old = this.links.get(peer);
    if (old?.url === url) return;
    old?.close();
    const link = new PeerLink(this, peer, url);
    this.links.set(peer, link);
    this.ctx.forgetPrefix(`send:unknown:${peer}`);
    if (this.started !== undefined && this.server?.listening === true) link.start();
  }

  removePeer(peer: number): void {
    const link = this.links.get(peer);
    if (link === undefined)
      throw new TransportError({ code: 'PEER_UNKNOWN', message: `no peer ${peer}` });
    link.close(closeCodes.PEER_REMOVED);
    this.links.delete(peer);
  }

  connectedSinceMs(peer: number): number | undefined {
    return this.links.get(peer)?.connectedSince;
  }

  connectedForMs(peer: number): number {
    const since = this.connectedSinceMs(peer);
    return since === undefined ? 0 : performance.now() - since;
  }

  stats(): TransportStats {
    return { ...this.ctx.stats };
  }

  // InboundHost

  isKnownPeer(id: number): boolean {
    return this.links.has(id);
  }

  isRemovedPeer(id: number): boolean {
    return this.config.isRemovedMember?.(id) === true;
  }

  mayAdoptStream(peer: number): boolean {
    return this.links.get(peer)?.mayAdoptInbound() ?? false;
  }

  adoptStream(peer: number, ws: WebSocket): void {
    this.links.get(peer)?.adoptInbound(ws);
  }

  isStream(peer: number, ws: WebSocket): boolean {
    return this.links.get(peer)?.isStream(ws) ?? false;
  }

  streamClosed(peer: number, ws: WebSocket, code: number): void {
    this.links.get(peer)?.inboundClosed(ws, code);
  }

  isCutFrom(peer: number): boolean {
    return this.faults.active && this.faults.get(peer)?.partitioned === true;
  }

  deliver(m: Message): void {
    if (this.closed === undefined) this.config.onMessage(m);
  }

  snapshotSlot(delta: 1 | -1): boolean {
    if (delta === 1 && this.snapshotsInbound >= snapshotsInboundMax) return false;
    this.snapshotsInbound += delta;
    assert(this.snapshotsInbound >= 0, 'snapshot slots released more than taken');
    return true;
  }

  close(): Promise<void> {
    this.closed ??= this.shutdown();
    return this.closed;
  }

  private async shutdown(): Promise<void> {
    await this.started?.catch(() => undefined);
    for (const link of this.links.values()) link.close();
    // Outgoing snapshots fail (their senders report 'failure'); incoming ones are wss clients.
    for (const ws of this.snapshotSockets) ws.terminate();
    const wss = this.wss;
    const server = this.server;
    if (wss === undefined || server === undefined) return;
    for (const ws of wss.clients) ws.terminate();
    await new Promise<void>((resolve) => {
      wss.close(() => {
        resolve();
      });
    });
    server.closeAllConnections();
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
  }
}

function makeServer(tls: LoadedTls | undefined): HttpServer {
  if (tls === undefined) return createHttpServer();
  return createHttpsServer({
    cert: tls.cert,
    key: tls.key,
    ...(tls.ca ? { ca: tls.ca } : {}),
    requestCert: tls.clientCertRequired,
    rejectUnauthorized: tls.clientCertRequired,
  });
}

/**
 * Creates a member's peer transport (not yet listening: call `start()`).
 *
 * @example
 * const transport = createTransport({
 *   memberId: 1, clusterId: 'c1', clusterToken: 'secret',
 *   listen: { host: '127.0.0.1', port: 2380 },
 *   peers: new Map([[2, 'ws://10.0.0.2:2380']]),
 *   onMessage: (m) => inbox.push(m),
 *   onUnreachable: (id) => inbox.push({ unreachable: id }),
 * });
 * await transport.start();
 * transport.send(ready.messages);
 *
 * @throws TransportError `INVALID_CONFIG` when a config field is wrong.
 */
export function createTransport(config: TransportConfig): Transport {
  return new WsTransport(config);
}
