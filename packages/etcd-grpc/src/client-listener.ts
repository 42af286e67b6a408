// One client port for both protocols, as etcd serves gRPC and HTTP on the same port. Each
// connection is routed once, by its first bytes: HTTP/2's client preface goes to gRPC, anything
// else to the HTTP/1.x server (the JSON gateway, /health, /version, /metrics). Under TLS the
// decision is ALPN's: `h2` goes to gRPC, `http/1.1` (or none) to HTTP. The bytes read to decide
// are given back to the socket (unshift), so each server parses the connection from its start.
import {
  createServer as createNetServer,
  type AddressInfo,
  type Server,
  type Socket,
} from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { protocolSniffMs } from './limits.js';

/** HTTP/2's connection preface (RFC 9113 §3.4), which every gRPC client sends first. */
const http2Preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/**
 * ALPN protocols the TLS listener offers. OpenSSL picks the first of the server's list that the
 * client offers, so `http/1.1` comes first: gRPC clients offer `h2` alone and get it, while curl
 * and browsers, which offer both, speak HTTP/1.1 to the gateway (grpc-js serves gRPC only).
 */
const alpnProtocols = ['http/1.1', 'h2'];

/** Where routed connections go. */
export interface ClientPortTargets {
  /** Takes an HTTP/2 connection (plain, or a TLSSocket already decrypted). */
  grpc(socket: Socket): void;
  /** Takes an HTTP/1.x connection. */
  http(socket: Socket): void;
}

/** TLS of the client port (PEM buffers). */
export interface ClientPortTls {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca?: Buffer | undefined;
  readonly clientCertRequired: boolean;
}

/** A bound client port. */
export interface ClientPort {
  readonly port: number;
  /** Stops accepting and destroys every connection it accepted. Idempotent. */
  close(): void;
}

/** Waits for enough first bytes to tell HTTP/2 from anything else, then routes the socket. */
function sniff(socket: Socket, targets: ClientPortTargets): void {
  let head: Buffer = Buffer.alloc(0);
  const timer = setTimeout(() => socket.destroy(), protocolSniffMs);
  timer.unref();
  const onData = (chunk: Buffer): void => {
    head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
    const n = Math.min(head.length, http2Preface.length);
    const isHttp2 = head.subarray(0, n).equals(http2Preface.subarray(0, n));
    if (isHttp2 && head.length < http2Preface.length) return; // a prefix so far: read on
    socket.off('data', onData);
    clearTimeout(timer);
    socket.pause();
    socket.unshift(head);
    if (isHttp2) targets.grpc(socket);
    else targets.http(socket);
  };
  socket.on('data', onData);
  socket.once('close', () => {
    clearTimeout(timer);
  });
}

function routeTls(socket: TLSSocket, targets: ClientPortTargets): void {
  if (socket.alpnProtocol === 'h2') targets.grpc(socket);
  else targets.http(socket);
}

function createListener(tls: ClientPortTls | undefined, targets: ClientPortTargets): Server {
  if (tls === undefined)
    return createNetServer((socket) => {
      sniff(socket, targets);
    });
  const { cert, key, ca, clientCertRequired } = tls;
  return createTlsServer(
    {
      cert,
      key,
      ...(ca === undefined ? {} : { ca }),
      requestCert: clientCertRequired,
      rejectUnauthorized: clientCertRequired,
      ALPNProtocols: alpnProtocols,
    },
    (socket) => {
      routeTls(socket, targets);
    },
  );
}

/**
 * Binds `host:port` (0: a free port) and routes every connection to `targets`, over TLS when
 * `tls` is given (etcd's `--client-cert-auth` is `clientCertRequired`).
 */
export async function listenClientPort(
  addr: { readonly host: string; readonly port: number },
  tls: ClientPortTls | undefined,
  targets: ClientPortTargets,
): Promise<ClientPort> {
  const server = createListener(tls, targets);
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    // Errors of a connection (a reset, a failed handshake) end that connection alone.
    socket.on('error', () => undefined);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(addr.port, addr.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  let closed = false;
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      if (closed) return;
      closed = true;
      server.close();
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    },
  };
}
