// The client and metrics listeners: etcd's gRPC API, its JSON gateway under /v3/ and /health,
// /version, /metrics, /livez, /readyz on every listenClientUrl (through etcd-grpc over the
// EtcdBackend this package implements, one port for all, as etcd's) and /metrics, /health,
// /livez, /readyz on every listenMetricsUrl. Port 0 binds a free port; the bound URLs are reported.
// An https URL is served over TLS with the client TLS material (etcd uses its client TLS for
// https metrics URLs too); an http URL in plain text.
import type { Server as HttpServer } from 'node:http';
import { createEtcdGrpcServer, type EtcdGrpcServer } from '@keel/etcd-grpc';
import type { LoadedTls } from '@keel/raft-transport-ws';
import { assert } from './assert.js';
import type { ResolvedConfig } from './config.js';
import { createEtcdBackend, type BackendHost } from './etcd-backend.js';
import { memberHttpHandler, startMetricsHttp, type HealthSource } from './metrics-http.js';
import type { ServerMetrics } from './metrics.js';

/** The bound listeners of a member. */
export interface Listeners {
  readonly clientUrls: readonly string[];
  readonly metricsUrls: readonly string[];
  readonly peerUrls: readonly string[];
  /** Stops serving; idempotent. */
  close(): Promise<void>;
}

function hostAndPort(url: string): { host: string; port: number; scheme: string } {
  const u = new URL(url);
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port), scheme: u.protocol };
}

function formatUrl(scheme: string, host: string, port: number): string {
  return `${scheme}//${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** The TLS material for a URL: `tls` for https, none for http. */
function tlsFor(scheme: string, tls: LoadedTls | undefined): LoadedTls | undefined {
  if (scheme !== 'https:') return undefined;
  assert(tls !== undefined, 'resolveConfig refuses an https URL without TLS for its side');
  return tls;
}

function closeHttp(server: HttpServer): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => {
      resolve();
    });
    server.closeAllConnections();
  });
}

/** Binds the client and metrics listeners of `config`. */
export async function startListeners(opts: {
  config: ResolvedConfig;
  metrics: ServerMetrics;
  peerUrls: readonly string[];
  backend: () => BackendHost;
  health: HealthSource;
  /** TLS for https client and metrics URLs (loaded by loadMemberTls). */
  clientTls: LoadedTls | undefined;
}): Promise<Listeners> {
  const { config } = opts;
  const grpcServers: EtcdGrpcServer[] = [];
  const httpServers: HttpServer[] = [];
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      for (const g of grpcServers) g.close();
      for (const h of httpServers) await closeHttp(h);
    })();
    return closed;
  };
  try {
    const clientUrls: string[] = [];
    // The client port serves /health, /version and /metrics beside gRPC and the JSON gateway.
    const httpHandler = memberHttpHandler({
      metrics: opts.metrics,
      health: opts.health,
      version: true,
    });
    for (const url of config.listenClientUrls) {
      const { host, port, scheme } = hostAndPort(url);
      const grpc = createEtcdGrpcServer({
        backend: createEtcdBackend(opts.backend),
        maxRequestBytes: config.maxRequestBytes,
        maxTxnOps: config.maxTxnOps,
        electionTimeoutMs: config.electionMs,
        httpHandler,
      });
      grpcServers.push(grpc);
      const bound = await grpc.listen(host, port, tlsFor(scheme, opts.clientTls));
      clientUrls.push(formatUrl(scheme, host, bound));
    }
    const metricsUrls: string[] = [];
    for (const url of config.listenMetricsUrls) {
      const { host, port, scheme } = hostAndPort(url);
      const m = await startMetricsHttp({
        host,
        port,
        metrics: opts.metrics,
        health: opts.health,
        tls: tlsFor(scheme, opts.clientTls),
      });
      httpServers.push(m.server);
      metricsUrls.push(m.url);
    }
    return { clientUrls, metricsUrls, peerUrls: opts.peerUrls, close };
  } catch (e) {
    await close();
    throw e;
  }
}
