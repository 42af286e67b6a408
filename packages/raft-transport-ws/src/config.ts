// The transport's config and its check. Everything is validated once, in `createTransport`.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Message } from '@keel/raft-core';
import type { TransportLogger } from './context.js';
import { TransportError } from './errors.js';
import type { IncomingSnapshot } from './inbound.js';
import type { TransportLimits } from './limits.js';
import type { TlsFiles } from './tls.js';

/** How a snapshot transfer ended, as raft's ReportSnapshot wants it. */
export type SnapshotStatus = 'finish' | 'failure';

/** The config of `createTransport`. */
export interface TransportConfig {
  /** This member's ID: a positive safe integer. */
  readonly memberId: number;
  /** The cluster's ID; a peer of another cluster is refused at the handshake. */
  readonly clusterId: string;
  /** The shared secret every member of the cluster presents; refused when it differs. */
  readonly clusterToken: string;
  /** Where to listen for peers; port 0 picks a free port (see `start()`'s result). */
  readonly listen: { readonly host: string; readonly port: number };
  /** Peers to dial: member ID -> advertised peer URL (`ws://` or `wss://`). */
  readonly peers?: ReadonlyMap<number, string>;
  /** TLS for the server and for dialling `wss://` peers. Without it only `ws://` is served. */
  readonly tls?: TlsFiles;
  /** Receives every validated message from a peer, in order per peer. Must not throw. */
  readonly onMessage: (m: Message) => void;
  /** Called (in a later turn, once per peer per turn) when messages to a peer were dropped. */
  readonly onUnreachable: (peer: number) => void;
  /**
   * True for a member removed from the cluster: its connections are refused with close code
   * `MEMBER_REMOVED` (etcd's HTTP 410 Gone) rather than as an unknown member, so it learns it.
   */
  readonly isRemovedMember?: (id: number) => boolean;
  /**
   * Called when `peer` refused this member as removed from the cluster (close code
   * `MEMBER_REMOVED`): this member can never rejoin with its ID and should stop.
   */
  readonly onRemoved?: (peer: number) => void;
  /**
   * Stores an incoming snapshot by consuming `chunks` to the end; the MsgSnap reaches
   * `onMessage` only after this resolves and the checksum matched. Without it snapshots are refused.
   */
  readonly onSnapshot?: (incoming: IncomingSnapshot) => Promise<void>;
  /** Called when an outgoing snapshot finished or failed (raft's ReportSnapshot). */
  readonly onSnapshotStatus?: (peer: number, status: SnapshotStatus) => void;
  /**
   * Answers plain HTTP requests on the peer listener (anything that is not a WebSocket upgrade),
   * e.g. a member list for members joining the cluster. Without it they get 404.
   */
  readonly onHttpRequest?: (req: IncomingMessage, res: ServerResponse) => void;
  /** Log lines go here; silent by default. */
  readonly logger?: TransportLogger;
  /** Overrides of the default limits (see `defaultLimits`). */
  readonly limits?: Partial<TransportLimits>;
  /** Uniform in [0, 1): reconnect jitter and fault injection. Defaults to Math.random. */
  readonly random?: () => number;
}

function invalid(message: string): never {
  throw new TransportError({ code: 'INVALID_CONFIG', message });
}

/** True when `id` can be a member ID. */
export function isMemberId(id: unknown): id is number {
  return typeof id === 'number' && Number.isSafeInteger(id) && id > 0;
}

/**
 * Checks a peer's ID and URL. @throws TransportError `INVALID_CONFIG`.
 */
export function checkPeer(self: number, peer: number, url: string): void {
  if (!isMemberId(peer)) invalid(`peer ID ${String(peer)} must be a positive safe integer`);
  if (peer === self) invalid(`peer ${peer} is this member`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return invalid(`peer ${peer} URL ${url} is not a URL`);
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    invalid(`peer ${peer} URL ${url} must be ws:// or wss://`);
  }
}

/** Checks the config's fields. @throws TransportError `INVALID_CONFIG`, naming the field. */
export function checkConfig(c: TransportConfig): void {
  if (!isMemberId(c.memberId)) invalid('memberId must be a positive safe integer');
  if (typeof c.clusterId !== 'string' || c.clusterId === '')
    invalid('clusterId must be a non-empty string');
  if (typeof c.clusterToken !== 'string') invalid('clusterToken must be a string');
  const { host, port } = c.listen;
  if (typeof host !== 'string' || host === '')
    invalid('listen.host must be a host name or address');
  if (!Number.isSafeInteger(port) || port < 0 || port > 65535)
    invalid('listen.port must be in [0, 65535]');
  for (const [peer, url] of c.peers ?? new Map<number, string>()) checkPeer(c.memberId, peer, url);
}
