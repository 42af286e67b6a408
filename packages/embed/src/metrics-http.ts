import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { LoadedTls } from '@keel/raft-transport-ws';
import type { AddressInfo } from 'node:net';
import { serverVersion } from './maintenance-api.js';
import type { ServerMetrics } from './metrics.js';

/** What the health endpoints ask of the server. */
export interface HealthSource {
  /** Whether a leader is known. */
  hasLeader(): boolean;
  /** Active alarms by etcd name (`NOSPACE`, `CORRUPT`); empty when none. */
  alarms(): readonly string[];
  /** Whether the member has joined and can serve (`server.ready` resolved). */
  isReady(): boolean;
}

/** An HTTP answer: status, content type and body. */
interface Answer {
  readonly status: number;
  readonly type: string;
  readonly body: string;
}

const text = (status: number, body: string): Answer => ({ status, type: 'text/plain', body });

/** etcd's /health query: `exclude=<ALARM>` (repeatable) and `serializable=true`. */
export interface HealthQuery {
  /** Alarms that do not make the member unhealthy (etcd: `?exclude=NOSPACE`). */
  readonly exclude: readonly string[];
  /** Check this member alone: a missing leader does not count (etcd: `?serializable=true`). */
  readonly serializable: boolean;
}

/** The /health query of a request URL (`/health?exclude=NOSPACE&serializable=true`). */
export function healthQueryOf(url: string): HealthQuery {
  const params = new URL(url, 'http://localhost').searchParams;
  return {
    exclude: params.getAll('exclude').filter((a) => a !== ''),
    serializable: params.get('serializable') === 'true',
  };
}

/**
 * etcd's /health answer: healthy when a leader is known and no alarm is active, with the reason
 * otherwise (etcd's wording). As etcd 3.5's, alarms named in `query.exclude` are ignored and
 * `query.serializable` leaves the leader out (a probe of this process rather than the cluster).
 */
export function healthAnswer(
  source: HealthSource,
  query: HealthQuery = { exclude: [], serializable: false },
): { status: number; body: string } {
  const alarms = source.alarms().filter((a) => !query.exclude.includes(a));
  let reason = '';
  if (alarms.length > 0) reason = `ALARM ${alarms.join(',')}`;
  else if (!query.serializable && !source.hasLeader()) reason = 'RAFT NO LEADER';
  const body = JSON.stringify({ health: String(reason === ''), reason });
  return { status: reason === '' ? 200 : 503, body };
}

/**
 * etcd's /version answer: this member's version and the cluster's (major.minor.0 of it, as etcd
 * reports the version every member of the cluster runs).
 */
export function versionAnswer(): string {
  const [major, minor] = serverVersion.split('.');
  return JSON.stringify({ etcdserver: serverVersion, etcdcluster: `${major}.${minor}.0` });
}

/** What an HTTP endpoint of the member serves from. */
interface HttpSources {
  readonly metrics: ServerMetrics;
  readonly health: HealthSource;
  /** Serve /version too (the client port does, as etcd's; the metrics listener does not). */
  readonly version?: boolean | undefined;
}

async function route(req: IncomingMessage, opts: HttpSources): Promise<Answer> {
  if (req.method !== 'GET') return text(405, 'method not allowed\n');
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  if (path === '/version' && opts.version === true) {
    return { status: 200, type: 'application/json', body: versionAnswer() };
  }
  switch (path) {
    case '/metrics':
      return {
        status: 200,
        type: opts.metrics.registry.contentType,
        body: await opts.metrics.text(),
      };
    case '/health':
      return {
        ...healthAnswer(opts.health, healthQueryOf(req.url ?? '/')),
        type: 'application/json',
      };
    case '/livez':
      return text(200, 'ok\n');
    case '/readyz':
      return opts.health.isReady()
        ? text(200, 'ok\n')
        : text(503, 'not ready: the member has not joined its cluster yet\n');
    default:
      return text(404, 'not found: try /metrics, /health, /livez or /readyz\n');
  }
}

/**
 * The handler for /metrics, /health, /livez and /readyz (and /version when `opts.version`):
 * the metrics listener's, and the client port's for what is not gRPC or the JSON gateway.
 */
export function memberHttpHandler(
  opts: HttpSources,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    route(req, opts)
      .catch((e: unknown) => text(500, `internal error: ${String(e)}\n`))
      .then((answer) => {
        res.writeHead(answer.status, { 'content-type': answer.type });
        res.end(answer.body);
      })
      .catch((e: unknown) => res.destroy(e as Error));
  };
}

/** An http server, or an https one with the member's client TLS (as etcd's metrics listener). */
function createHttpOrHttps(
  tls: LoadedTls | undefined,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Server {
  if (tls === undefined) return createServer(handler);
  const { cert, key, ca, clientCertRequired } = tls;
  return createHttpsServer(
    {
      cert,
      key,
      ...(ca === undefined ? {} : { ca }),
      requestCert: clientCertRequired,
      rejectUnauthorized: clientCertRequired,
    },
    handler,
  );
}

/**
 * Serves /metrics, /health, /livez and /readyz on `host:port` (port 0 picks a free port), over
 * TLS when `tls` is given, and resolves with the bound URL once listening.
 */
export async function startMetricsHttp(opts: {
  host: string;
  port: number;
  metrics: ServerMetrics;
  health: HealthSource;
  tls?: LoadedTls | undefined;
}): Promise<{ url: string; server: Server }> {
  const server = createHttpOrHttps(opts.tls, memberHttpHandler(opts));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port, family } = server.address() as AddressInfo;
  const host = family === 'IPv6' ? `[${address}]` : address;
  return { url: `${opts.tls === undefined ? 'http' : 'https'}://${host}:${port}`, server };
}
