// createEtcdGrpcServer: etcd's v3 API on a grpc-js server, over an EtcdBackend.
import { Server, ServerCredentials } from '@grpc/grpc-js';
import type { EtcdBackend } from './backend.js';
import { EtcdGrpcError } from './errors.js';
import { serviceDefinition } from './grpc-method.js';
import { LeaderStreams } from './leader-streams.js';
import {
  concurrentStreamsPerConnectionMax,
  electionTimeoutMsDefault,
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
}

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

function credentials(tls: GrpcServerTls | undefined): ServerCredentials {
  if (tls === undefined) return ServerCredentials.createInsecure();
  const pair = { private_key: tls.key, cert_chain: tls.cert };
  return ServerCredentials.createSsl(tls.ca ?? null, [pair], tls.clientCertRequired);
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
  server.addService(serviceDefinition('etcdserverpb.KV'), kvService(ctx));
  server.addService(serviceDefinition('etcdserverpb.Watch'), watchService(ctx));
  server.addService(serviceDefinition('etcdserverpb.Lease'), leaseService(ctx));
  server.addService(serviceDefinition('etcdserverpb.Cluster'), clusterService(ctx));
  server.addService(serviceDefinition('etcdserverpb.Maintenance'), maintenanceService(ctx));
  server.addService(serviceDefinition('etcdserverpb.Auth'), authService(ctx.backend));
  server.addService(serviceDefinition('v3lockpb.Lock'), lockService(ctx));
  server.addService(serviceDefinition('v3electionpb.Election'), electionService(ctx));
  server.addService(serviceDefinition('grpc.health.v1.Health'), healthService(ctx.backend));
  let closed = false;
  return {
    grpcServer: server,
    listen: (host, port, tls) =>
      new Promise<number>((resolve, reject) => {
        server.bindAsync(`${host}:${port}`, credentials(tls), (err, bound) => {
          if (err !== null) {
            reject(err);
            return;
          }
          if (!closed) leaderStreams.start(electionTimeoutMs);
          resolve(bound);
        });
      }),
    close: () => {
      if (closed) return;
      closed = true;
      leaderStreams.stop();
      server.forceShutdown();
    },
  };
}
