// The test-only fault endpoint (`--unsafe-fault-injection-url`): a small HTTP server on a loopback
// address that sets and clears the peer transport's per-link faults, so a chaos harness can cut a
// running member off from chosen peers (a network partition), or delay or drop its messages,
// without root privileges or network namespaces. It exists only when the flag is given.
//
//   PUT    /peers/<member-id-hex>   body {"partitioned":true} | {"dropRate":0.3,"delayMs":50}
//   DELETE /peers/<member-id-hex>   clears that link's fault
//   DELETE /peers                   clears every fault
//
// Answers: 204 done; 400 bad body (the transport's message); 404 unknown route or peer;
// 405 other methods; 413 body too large.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Server } from '@keel/embed';
import { formatMemberId } from '@keel/embed';
import { KeelError } from './errors.js';
import { faultBodyBytesMax } from './limits.js';

/** The per-link fault table of a member (embed's `peerFaults`). */
type PeerFaults = NonNullable<Server['peerFaults']>;
/** One link's fault, as the transport takes it. */
type LinkFault = Parameters<PeerFaults['set']>[1];

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Checks the flag's value: an `http://` URL on a loopback host with an explicit port and no path.
 *
 * @throws KeelError `INVALID_CONFIG` naming the flag and what to change.
 */
export function parseFaultInjectionUrl(text: string): URL {
  const flag = '--unsafe-fault-injection-url';
  let url: URL;
  try {
    url = new URL(text);
  } catch (e) {
    throw new KeelError({
      code: 'INVALID_CONFIG',
      message: `${flag}=${text}: not a URL`,
      cause: e,
    });
  }
  const why =
    url.protocol !== 'http:'
      ? 'use http://'
      : !loopbackHosts.has(url.hostname)
        ? 'it must listen on a loopback address (127.0.0.1, localhost or [::1]): anyone who reaches it can cut this member off'
        : url.port === ''
          ? 'give a port'
          : url.pathname !== '/' || url.search !== ''
            ? 'give no path or query'
            : undefined;
  if (why !== undefined)
    throw new KeelError({ code: 'INVALID_CONFIG', message: `${flag}=${text}: ${why}` });
  return url;
}

/** A running fault endpoint. */
export interface FaultEndpoint {
  /** The URL it listens on (the port is the bound one when the flag gave 0). */
  readonly url: string;
  /** Stops listening; idempotent. */
  close(): Promise<void>;
}

type Answer = readonly [status: number, text: string];

function parseFault(body: string): LinkFault | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return 'the body is not JSON';
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return 'the body must be a JSON object';
  }
  const allowed = new Set(['partitioned', 'dropRate', 'delayMs']);
  const extra = Object.keys(parsed).find((k) => !allowed.has(k));
  if (extra !== undefined) return `unknown field "${extra}": use partitioned, dropRate, delayMs`;
  return parsed;
}

function applyFault(faults: PeerFaults, peer: number, body: string): Answer {
  const fault = parseFault(body);
  if (typeof fault === 'string') return [400, fault];
  try {
    faults.set(peer, fault);
  } catch (e) {
    // The transport checks the fault's ranges and throws its own typed error; pass the text on.
    return [400, e instanceof Error ? e.message : String(e)];
  }
  return [204, ''];
}

function route(server: Server, req: { method: string; path: string; body: string }): Answer {
  const faults = server.peerFaults;
  if (req.path === '/peers' && req.method === 'DELETE') {
    faults?.clear();
    return [204, ''];
  }
  const match = /^\/peers\/([0-9a-f]{1,16})$/.exec(req.path);
  if (match === null) return [404, 'no such route: use /peers or /peers/<member-id-hex>'];
  const peers = server.members.filter((m) => m.id !== server.memberId).map((m) => m.id);
  const peer = peers.find((id) => formatMemberId(id) === match[1]);
  if (faults === undefined || peer === undefined)
    return [404, `no peer ${match[1]} in this cluster`];
  if (req.method === 'DELETE') {
    faults.clear(peer);
    return [204, ''];
  }
  if (req.method !== 'PUT') return [405, 'use PUT or DELETE'];
  return applyFault(faults, peer, req.body);
}

function handle(server: Server, req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  let bytes = 0;
  const reply = ([status, text]: Answer): void => {
    res
      .writeHead(status, { 'content-type': 'text/plain' })
      .end(text === '' ? undefined : `${text}\n`);
  };
  req.on('data', (c: Buffer) => {
    bytes += c.length;
    if (bytes <= faultBodyBytesMax) chunks.push(c);
  });
  req.on('end', () => {
    if (bytes > faultBodyBytesMax) {
      reply([413, `the body is larger than ${faultBodyBytesMax} bytes`]);
      return;
    }
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const body = Buffer.concat(chunks).toString();
    reply(route(server, { method: req.method ?? 'GET', path, body }));
  });
}

/**
 * Serves the fault endpoint for `server` on `url` (from `parseFaultInjectionUrl`). For tests only:
 * it lets any local process partition this member.
 */
export async function startFaultEndpoint(server: Server, url: URL): Promise<FaultEndpoint> {
  const http = createServer((req, res) => {
    handle(server, req, res);
  });
  const host = url.hostname.replace(/^\[|\]$/g, '');
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(Number(url.port), host, resolve);
  });
  const address = http.address();
  const port = address !== null && typeof address === 'object' ? address.port : Number(url.port);
  let closed: Promise<void> | undefined;
  return {
    url: `http://${url.hostname}:${port}`,
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        http.close(() => {
          resolve();
        });
        http.closeAllConnections();
      })),
  };
}
