// The peer side of a member: a raft-transport-ws transport on the first listenPeerUrl, dialling
// every other member at its peer URL. A member alone in its cluster starts none. An https peer
// URL means wss:// with peerTls: the member's certificate serves both ends, peers are verified
// against peerTls.trustedCaFile, and peerTls.clientCertAuth makes it mutual TLS.
import {
  createTransport,
  type IncomingSnapshot,
  type TlsFiles,
  type Transport,
} from '@keel/raft-transport-ws';
import type { ClusterFile } from './cluster-file.js';
import type { Logger, ResolvedConfig } from './config.js';
import type { DriverEvent } from './driver.js';
import { isEmbedError } from './errors.js';
import type { Inbox } from './inbox.js';
import { formatMemberId } from './member-id.js';

/** A started transport (or none) and the bound peer URLs. */
export interface PeerTransport {
  readonly transport: Transport | undefined;
  readonly urls: readonly string[];
  /** Routes what arrives into the driver's inbox; call once the driver exists. */
  connect(inbox: Inbox<DriverEvent>): void;
}

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

/** Starts the transport when the cluster has other members. */
export async function startPeerTransport(opts: {
  config: ResolvedConfig;
  identity: ClusterFile;
  logger: Logger;
  /** Stores a snapshot arriving from the leader (snapshot-receiver.ts). */
  onSnapshot: (incoming: IncomingSnapshot) => Promise<void>;
  /** Whether the peer listener is https and its TLS files loaded (see `loadMemberTls`). */
  peerTls: boolean;
}): Promise<PeerTransport> {
  const { config, identity } = opts;
  const others = identity.members.filter((m) => m.id !== identity.memberId);
  let inbox: Inbox<DriverEvent> | undefined;
  const connect = (i: Inbox<DriverEvent>): void => {
    inbox = i;
  };
  if (others.length === 0) return { transport: undefined, urls: [], connect };
  const listenUrl = config.listenPeerUrls[0] ?? '';
  const tls = transportTls(config, opts.peerTls);
  const transport = createTransport({
    ...(tls === undefined ? {} : { tls }),
    memberId: identity.memberId,
    clusterId: formatMemberId(identity.clusterId),
    clusterToken: config.initialClusterToken,
    listen: hostAndPort(listenUrl),
    peers: new Map(others.map((m) => [m.id, toWsUrl(m.peerUrls[0] ?? '')])),
    onMessage: (message) => {
      offer(inbox, { kind: 'message', message });
    },
    onUnreachable: (peer) => {
      offer(inbox, { kind: 'unreachable', peer });
    },
    onSnapshot: opts.onSnapshot,
    logger: {
      info: (message, fields) => {
        opts.logger.info(fields, message);
      },
      warn: (message, fields) => {
        opts.logger.warn(fields, message);
      },
      debug: (message, fields) => {
        opts.logger.debug(fields, message);
      },
    },
  });
  const { url } = await transport.start();
  return { transport, urls: [url.replace(/^ws(s?):/, 'http$1:')], connect };
}
