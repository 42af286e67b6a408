// createEtcdGrpcServer: etcd's v3 API over an EtcdBackend on one client port, as etcd serves it:
// gRPC (grpc-js, fed the HTTP/2 connections) and, on HTTP/1.x connections, the JSON gateway
// under /v3/ plus whatever the embedding program serves on other paths (/health, /version,
// /metrics from embed).
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server as HttpServer,
  type ServerResponse,
} from 'node:http';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import type { EtcdBackend } from './backend.js';
import { listenClientPort, type ClientPort } from './client-listener.js';
import { EtcdGrpcError } from './errors.js';
import { createGateway } from './gateway.js';
import { grpcImplementation, serviceDefinition, type ServiceMethods } from './grpc-method.js';
import { LeaderStreams } from './leader-streams.js';
import {
  concurrentStreamsPerConnectionMax,
  electionTimeoutMsDefault,
  gatewayBodyBytesMax,
  grpcReceiveBytesMax,
  maxRequestBytesDefault,
  txnOpsMaxDefault,
} from './limits.js';
import { authService } from './services/auth.js';
import { clusterService } from './services/cluster.js';
import { electionService } from './services/election.js';
import type { ServiceContext } from './services/context.js';
import { healthService } from './services/health.js';
import { kvService } from './services/kv.js';
import { leaseService } from './services/lease.js';
import { lockService } from './services/lock.js';
import { maintenanceService } from './services/maintenance.js';
import { watchService } from './services/watch.js';

/** etcd's default interval for progress notifications to watchers that ask for them. */
export const watchProgressNotifyMsDefault = 10 * 60 * 1000;

/** Options of `createEtcdGrpcServer`. */
export interface EtcdGrpcServerOptions {
  /** The member the API is served for. */
  readonly backend: EtcdBackend;
  /**
   * etcd's `--max-request-bytes` (default 1.5 MiB): a larger write is refused with "request is
   * too large"; the gRPC receive limit is this plus 512 KiB, so bigger messages are refused by
   * gRPC itself (RESOURCE_EXHAUSTED). Also the watch fragment size.
   */
  readonly maxRequestBytes?: number | undefined;
  /** etcd's `--max-txn-ops` (default 128). */
  readonly maxTxnOps?: number | undefined;
  /** How often watchers with progress_notify get a progress response (default 10 minutes). */
  readonly watchProgressNotifyMs?: number | undefined;
  /**
   * The member's election timeout (etcd's `--election-timeout`, default 1000 ms): streams opened
   * with `hasleader` metadata end with "etcdserver: no leader" after three of these in a row
   * without a leader, as etcd's do.
   */
  readonly electionTimeoutMs?: number | undefined;
  /**
   * Serves HTTP/1.x requests on the client port outside the JSON gateway's /v3/ paths (embed
   * answers /health, /version and /metrics here, as etcd's client port does). Absent: 404.
   */
  readonly httpHandler?: HttpHandler | undefined;
}

/** A Node HTTP request handler. */
export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** TLS for a listener, loaded from PEM files by the caller (etcd's `--cert-file` and friends). */
export interface GrpcServerTls {
  readonly cert: Buffer;
  readonly key: Buffer;
  /** CAs that verify client certificates; absent: Node's default root CAs. */
  readonly ca?: Buffer | undefined;
  /** etcd's `--client-cert-auth`: refuse clients without a certificate the CAs verify. */
  readonly clientCertRequired: boolean;
}

/** A running etcd API server. */
export interface EtcdGrpcServer {
  /**
   * Binds to `host:port` (port 0 picks a free one) and starts serving: over TLS when `tls` is
   * given (etcd's `https://` client URLs), in plain text otherwise.
   * @returns the bound port.
   */
  listen(host: string, port: number, tls?: GrpcServerTls): Promise<number>;
  /** Stops serving at once: open calls (watch streams too) end with UNAVAILABLE. Idempotent. */
  close(): void;
  /** The underlying grpc-js server, e.g. to add services of the embedding program. */
  readonly grpcServer: Server;
}

function positiveInt(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v <= 0) {
    throw new EtcdGrpcError({
      code: 'INVALID_CONFIG',
      message: `${name} must be a positive integer, got ${v}`,
    });
  }
  return v;
}

function resolveContext(opts: EtcdGrpcServerOptions, leaderStreams: LeaderStreams): ServiceContext {
  const { backend } = opts;
  return {
    backend,
    gate: {
      leaderId: () => backend.leaderId(),
      isLearner: () => backend.isLearner(),
      track: (stream) => {
        leaderStreams.track(stream);
      },
    },
    maxRequestBytes: positiveInt(opts.maxRequestBytes, maxRequestBytesDefault, 'maxRequestBytes'),
    txnOpsMax: positiveInt(opts.maxTxnOps, txnOpsMaxDefault, 'maxTxnOps'),
    watchProgressNotifyMs: positiveInt(
      opts.watchProgressNotifyMs,
      watchProgressNotifyMsDefault,
      'watchProgressNotifyMs',
    ),
  };
}

/** Every service's methods by its full name; gRPC and the JSON gateway serve these same ones. */
function serviceTables(ctx: ServiceContext): Readonly<Record<string, ServiceMethods>> {
  return {
    'etcdserverpb.KV': kvService(ctx),
    'etcdserverpb.Watch': watchService(ctx),
    'etcdserverpb.Lease': leaseService(ctx),
    'etcdserverpb.Cluster': clusterService(ctx),
    'etcdserverpb.Maintenance': maintenanceService(ctx),
    'etcdserverpb.Auth': authService(ctx.backend),
    'v3lockpb.Lock': lockService(ctx),
    'v3electionpb.Election': electionService(ctx),
    'grpc.health.v1.Health': healthService(ctx.backend),
  };
}

/** The HTTP/1.x side of the client port: the gateway under /v3/, `other` elsewhere (or 404). */
function clientHttpServer(gateway: HttpHandler, other: HttpHandler | undefined): HttpServer {
  // A watch or keep-alive request body stays open as long as its stream, so Node's limit on
  // the time to receive a whole request (5 minutes) is off; headers still must arrive in time.
  return createHttpServer({ requestTimeout: 0 }, (req, res) => {
    if ((req.url ?? '/').startsWith('/v3/')) gateway(req, res);
    else if (other !== undefined) other(req, res);
    else {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('Not Found\n');
    }
  });
}

/**
 * Creates a gRPC server that serves etcd's v3 API (KV, Watch, Lease, Cluster, Maintenance, Auth
 * with auth disabled, v3lock, v3election and grpc.health.v1.Health) over `backend`, so that etcdctl and etcd's
 * clients work against it unchanged.
 * @throws EtcdGrpcError INVALID_CONFIG when an option is out of range.
 * @example
 * const server = createEtcdGrpcServer({ backend });
 * const port = await server.listen('127.0.0.1', 2379);
 * // etcdctl --endpoints=127.0.0.1:2379 put foo bar
 * server.close();
 */
export function createEtcdGrpcServer(opts: EtcdGrpcServerOptions): EtcdGrpcServer {
  const electionTimeoutMs = positiveInt(
    opts.electionTimeoutMs,
    electionTimeoutMsDefault,
    'electionTimeoutMs',
  );
  const leaderStreams = new LeaderStreams(() => opts.backend.leaderId());
  const ctx = resolveContext(opts, leaderStreams);
  const server = new Server({
    'grpc.max_receive_message_length': grpcReceiveBytesMax(ctx.maxRequestBytes),
    'grpc.max_send_message_length': -1,
    'grpc.max_concurrent_streams': concurrentStreamsPerConnectionMax,
  });
  const services = serviceTables(ctx);
  for (const [name, methods] of Object.entries(services)) {
    server.addService(serviceDefinition(name), grpcImplementation(methods));
  }
  const gateway = createGateway({
    services,
    bodyBytesMax: gatewayBodyBytesMax(ctx.maxRequestBytes),
  });
  const http = clientHttpServer(gateway, opts.httpHandler);
  const injector = server.createConnectionInjector(ServerCredentials.createInsecure());
  const ports: ClientPort[] = [];
  let closed = false;
  // Read through a call, so that a check after an await is not narrowed away by the compiler.
  const isClosed = (): boolean => closed;
  return {
    grpcServer: server,
    listen: async (host, port, tls) => {
      if (closed) throw new Error('listen was called after close');
      const bound = await listenClientPort({ host, port }, tls, {
        grpc: (socket) => {
          injector.injectConnection(socket);
        },
        http: (socket) => {
          http.emit('connection', socket);
          // The listener paused the socket to give back the bytes it read; Node's HTTP parser
          // reads those buffered bytes only once the socket flows again.
          socket.resume();
        },
      });
      ports.push(bound);
      if (isClosed()) bound.close();
      else leaderStreams.start(electionTimeoutMs);
      return bound.port;
    },
    close: () => {
      if (closed) return;
      closed = true;
      leaderStreams.stop();
      server.forceShutdown();
      for (const p of ports) p.close();
      http.closeAllConnections();
    },
  };
}
