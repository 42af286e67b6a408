// The peer side of a member: a raft-transport-ws transport on the first listenPeerUrl, dialling
// every other member at its peer URL. A member alone in its cluster starts none until a member
// is added. An https peer URL means wss:// with peerTls: the member's certificate serves both
// ends, peers are verified against peerTls.trustedCaFile, and peerTls.clientCertAuth makes it
// mutual TLS.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Message } from '@keel/raft-core';
import {
  createTransport,
  isTransportError,
  type IncomingSnapshot,
  type TlsFiles,
  type Transport,
  type TransportLogger,
} from '@keel/raft-transport-ws';
import type { Logger, ResolvedConfig } from './config.js';
import type { DriverEvent } from './driver.js';
import { isEmbedError } from './errors.js';
import type { Inbox } from './inbox.js';
import { formatMemberId } from './member-id.js';
import type { Membership } from './membership.js';

/** etcd's peer URLs are http(s); the transport speaks ws(s) on the same host and port. */
export function toWsUrl(url: string): string {
  return url.replace(/^http(s?):/, 'ws$1:');
}

function hostAndPort(url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port) };
}

/** The transport's TLS files when the peer listener is https (`tls-files.ts` checked them). */
function transportTls(config: ResolvedConfig, peerTlsLoaded: boolean): TlsFiles | undefined {
  const tls = config.peerTls;
  if (!peerTlsLoaded || tls === undefined) return undefined;
  return {
    certFile: tls.certFile,
    keyFile: tls.keyFile,
    ...(tls.trustedCaFile === undefined ? {} : { caFile: tls.trustedCaFile }),
    clientCertRequired: tls.clientCertAuth ?? false,
  };
}

/** Pushes `event` unless the inbox is full: Raft tolerates a lost message, the loop recovers. */
function offer(inbox: Inbox<DriverEvent> | undefined, event: DriverEvent): void {
  try {
    inbox?.push(event);
  } catch (e) {
    if (!isEmbedError(e, 'OVERLOADED') && !isEmbedError(e, 'STOPPED')) throw e;
  }
}

/** What the peer side needs to start. */
export interface PeerOptions {
  readonly config: ResolvedConfig;
  readonly membership: Membership;
  readonly logger: Logger;
  /** Answers plain HTTP requests on the peer listener (the member list for joining members). */
  readonly onHttpRequest: (req: IncomingMessage, res: ServerResponse) => void;
  /** Stores a snapshot arriving from the leader (snapshot-receiver.ts). */
  readonly onSnapshot: (incoming: IncomingSnapshot) => Promise<void>;
  /** Whether the peer listener is https and its TLS files loaded (see `loadMemberTls`). */
  readonly peerTls: boolean;
  /** `peer` refused this member as removed from the cluster (etcd's HTTP 410). */
  readonly onRemoved: (peer: number) => void;
}

/**
 * The member's peer transport. It is started when the cluster has another member: at once for
 * a member of several, or when a lone member's first peer is added. Peers follow membership.
 */
export class PeerTransport {
  #transport: Transport | undefined;
  #started: Promise<void> | undefined;
  #urls: readonly string[] = [];
  #inbox: Inbox<DriverEvent> | undefined;
  #closed = false;
  readonly #o: PeerOptions;

  constructor(options: PeerOptions) {
    this.#o = options;
  }

  /** The transport, once started. */
  get transport(): Transport | undefined {
    return this.#transport;
  }

  /** The bound peer URL, once started. */
  get urls(): readonly string[] {
    return this.#urls;
  }

  /** Routes what arrives into the driver's inbox; call once the driver exists. */
  connect(inbox: Inbox<DriverEvent>): void {
    this.#inbox = inbox;
  }

  /** Starts the transport when there is another member; resolves once it listens. */
  start(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    const m = this.#o.membership;
    if (m.list().every((x) => x.id === m.memberId)) return Promise.resolve();
    this.#started ??= this.#listen();
    return this.#started;
  }

  async #listen(): Promise<void> {
    const { config, membership, logger } = this.#o;
    const tls = transportTls(config, this.#o.peerTls);
    const transport = createTransport({
      ...(tls === undefined ? {} : { tls }),
      memberId: membership.memberId,
      clusterId: formatMemberId(membership.clusterId),
      clusterToken: config.initialClusterToken,
      listen: hostAndPort(config.listenPeerUrls[0] ?? ''),
      peers: new Map(
        membership
          .list()
          .filter((m) => m.id !== membership.memberId)
          .map((m) => [m.id, toWsUrl(m.peerUrls[0] ?? '')]),
      ),
      onMessage: (message) => {
        offer(this.#inbox, { kind: 'message', message });
      },
      onUnreachable: (peer) => {
        offer(this.#inbox, { kind: 'unreachable', peer });
      },
      onHttpRequest: this.#o.onHttpRequest,
      // Members removed from the cluster are told so when they dial (etcd answers them 410).
      isRemovedMember: (id) => membership.isRemoved(id),
      onRemoved: this.#o.onRemoved,
      onSnapshot: this.#o.onSnapshot,
      logger: transportLogger(logger),
    });
    this.#transport = transport;
    const { url } = await transport.start();
    this.#urls = [url.replace(/^ws(s?):/, 'http$1:')];
  }

  /** Queues messages for their peers (none before the transport starts: a lone member). */
  send(messages: readonly Message[]): void {
    this.#transport?.send(messages);
  }

  /** Dials member `id` at `peerUrl` (a new member or new URLs), starting the transport first. */
  setPeer(id: number, peerUrl: string): void {
    if (this.#closed || id === this.#o.membership.memberId) return;
    if (this.#transport !== undefined) {
      this.#transport.addPeer(id, toWsUrl(peerUrl));
      return;
    }
    // The membership already lists the peer, so the transport starts with it.
    this.start().catch((e: unknown) => {
      this.#o.logger.error({ err: String(e) }, 'could not start the peer listener');
    });
  }

  /** Stops talking to member `id` (removed from the cluster). */
  removePeer(id: number): void {
    if (this.#transport === undefined || this.#closed) return;
    try {
      this.#transport.removePeer(id);
    } catch (e) {
      if (!isTransportError(e, 'PEER_UNKNOWN')) throw e;
    }
  }

  /** Milliseconds member `id` has been continuously connected; 0 when it is not. */
  connectedForMs(id: number): number {
    return this.#transport?.connectedForMs(id) ?? 0;
  }

  /** Closes the transport (idempotent). */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#started?.catch(() => undefined);
    await this.#transport?.close();
  }
}

function transportLogger(logger: Logger): TransportLogger {
  return {
    info: (message, fields) => {
      logger.info(fields, message);
    },
    warn: (message, fields) => {
      logger.warn(fields, message);
    },
    debug: (message, fields) => {
      logger.debug(fields, message);
    },
  };
}
