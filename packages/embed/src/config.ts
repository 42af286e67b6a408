import { join } from 'node:path';
import * as d from './config-defaults.js';
import { checkTlsConfig } from './config-tls.js';
import { EmbedError } from './errors.js';

/** TLS files for the client or the peer listener (etcd's `--cert-file` and friends). */
export interface TlsConfig {
  readonly certFile: string;
  readonly keyFile: string;
  /** CA bundle used to verify the other side (etcd's `--trusted-ca-file`). */
  readonly trustedCaFile?: string;
  /** Require and verify client certificates (etcd's `--client-cert-auth`). */
  readonly clientCertAuth?: boolean;
}

/** Logger in pino's shape: structured fields first, then the message. */
export interface Logger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/**
 * The server's configuration: etcd's embed.Config in camelCase, every field optional, with etcd
 * 3.6's defaults (see `resolveConfig`). URLs with port 0 bind a free port.
 */
export interface ServerConfig {
  readonly name?: string;
  /** Default `<name>.etcd`, as etcd. */
  readonly dataDir?: string;
  /** Default `<dataDir>/member/wal`. */
  readonly walDir?: string;
  readonly listenClientUrls?: readonly string[];
  readonly advertiseClientUrls?: readonly string[];
  readonly listenPeerUrls?: readonly string[];
  readonly initialAdvertisePeerUrls?: readonly string[];
  readonly listenMetricsUrls?: readonly string[];
  /** `name=url,name=url`; default: this member alone, at its advertised peer URLs. */
  readonly initialCluster?: string;
  readonly clusterState?: 'new' | 'existing';
  readonly initialClusterToken?: string;
  readonly tickMs?: number;
  readonly electionMs?: number;
  readonly snapshotCount?: number;
  readonly snapshotCatchUpEntries?: number;
  readonly autoCompactionMode?: 'periodic' | 'revision';
  /** Periodic: a duration (`'30m'`, `'1h'`; a bare number means hours). Revision: a count. */
  readonly autoCompactionRetention?: string;
  readonly quotaBackendBytes?: number;
  readonly maxRequestBytes?: number;
  readonly maxTxnOps?: number;
  readonly maxLearners?: number;
  readonly preVote?: boolean;
  readonly strictReconfigCheck?: boolean;
  /**
   * Lease checkpoints (etcd's `--experimental-enable-lease-checkpoint`, 3.6's feature gate
   * `LeaseCheckpoint`), default off: the leader records each lease's remaining TTL through Raft
   * every `leaseCheckpointIntervalMs`, so a new leader expires it from there instead of giving it
   * its whole TTL again.
   */
  readonly enableLeaseCheckpoint?: boolean;
  /**
   * etcd's `--experimental-enable-lease-checkpoint-persist` (3.6's `LeaseCheckpointPersist`),
   * default off; needs `enableLeaseCheckpoint`. Keel always stores a checkpoint durably in the
   * lease's row, as etcd 3.6 always does, so this is accepted and checked but changes nothing.
   */
  readonly leaseCheckpointPersist?: boolean;
  /** Time between two checkpoints of one lease, in ms (etcd's lessor: 5 minutes). */
  readonly leaseCheckpointIntervalMs?: number;
  readonly clientTls?: TlsConfig;
  readonly peerTls?: TlsConfig;
  readonly logger?: Logger;
}

/** Auto-compaction as resolved: off, every `retentionMs`, or keeping `retentionRevisions`. */
export type AutoCompaction =
  | { readonly mode: 'off' }
  | { readonly mode: 'periodic'; readonly retentionMs: number }
  | { readonly mode: 'revision'; readonly retentionRevisions: number };

/** A `ServerConfig` with every default filled in and every rule checked. */
export interface ResolvedConfig extends Required<
  Omit<ServerConfig, 'clientTls' | 'peerTls' | 'logger' | 'initialCluster'>
> {
  readonly initialCluster: ReadonlyMap<string, readonly string[]>;
  readonly autoCompaction: AutoCompaction;
  readonly clientTls?: TlsConfig;
  readonly peerTls?: TlsConfig;
  readonly logger?: Logger;
}

function invalid(field: string, rule: string): never {
  throw new EmbedError({
    code: 'INVALID_CONFIG',
    message: `invalid config ${field}: ${rule}`,
    field,
  });
}

function positiveInt(field: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0)
    invalid(field, `must be an integer > 0, got ${value}`);
  return value;
}

/** What is wrong with `raw` as a member URL (`http(s)://host:port`), or undefined if nothing. */
export function urlProblem(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `"${raw}" is not a URL`;
  }
  if (!['http:', 'https:'].includes(url.protocol)) {
    return `"${raw}": URL scheme must be http or https`;
  }
  if (url.port === '') return `"${raw}" must be "host:port"`;
  if (url.pathname !== '/' || url.search !== '') return `"${raw}" must have no path`;
  return undefined;
}

function checkUrls(field: string, urls: readonly string[], bind: boolean): readonly string[] {
  if (urls.length === 0) invalid(field, 'needs at least one URL');
  for (const raw of urls) {
    const problem = urlProblem(raw);
    if (problem !== undefined) invalid(field, problem);
    const url = new URL(raw);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (bind && host !== 'localhost' && !/^[\d.]+$|:/.test(host)) {
      invalid(field, `expected IP in URL for binding (${raw})`);
    }
  }
  return urls;
}

/**
 * Parses etcd's `--initial-cluster` form, `name=url,name=url`; a name may repeat for several URLs.
 */
export function parseInitialCluster(text: string): ReadonlyMap<string, readonly string[]> {
  const members = new Map<string, string[]>();
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    const name = part.slice(0, eq).trim();
    const url = part.slice(eq + 1).trim();
    if (eq <= 0 || url === '') invalid('initialCluster', `"${part}" is not name=url`);
    checkUrls('initialCluster', [url], false);
    members.set(name, [...(members.get(name) ?? []), url]);
  }
  return members;
}

const durationUnitsMs: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** A Go duration (`1h30m`, `90s`, `500ms`) in milliseconds; `undefined` when it is not one. */
function parseDurationMs(text: string): number | undefined {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) return undefined;
  return parts.reduce((sum, p) => sum + Number(p[1]) * (durationUnitsMs[p[2] ?? ''] ?? 0), 0);
}

function resolveAutoCompaction(mode: string, retention: string): AutoCompaction {
  if (mode !== 'periodic' && mode !== 'revision') {
    invalid('autoCompactionMode', `unknown auto-compaction-mode "${mode}"`);
  }
  if (retention === '0' || retention === '') return { mode: 'off' };
  if (mode === 'revision') {
    const n = Number(retention);
    if (!Number.isSafeInteger(n) || n < 0)
      invalid('autoCompactionRetention', `"${retention}" is not a revision count`);
    return { mode, retentionRevisions: n };
  }
  // As etcd: a bare number in periodic mode is hours.
  const ms = /^\d+$/.test(retention) ? Number(retention) * 3_600_000 : parseDurationMs(retention);
  if (ms === undefined || ms <= 0)
    invalid('autoCompactionRetention', `"${retention}" is not a duration`);
  return { mode, retentionMs: ms };
}

function checkTiming(tickMs: number, electionMs: number): void {
  positiveInt('tickMs', tickMs);
  positiveInt('electionMs', electionMs);
  if (5 * tickMs > electionMs) {
    invalid(
      'electionMs',
      `--election-timeout[${electionMs}ms] should be at least as 5 times as --heartbeat-interval[${tickMs}ms]`,
    );
  }
  if (electionMs > d.electionMsMax) {
    invalid(
      'electionMs',
      `--election-timeout[${electionMs}ms] is too long, and should be set less than ${d.electionMsMax}ms`,
    );
  }
}

function checkSelfInCluster(
  name: string,
  peerUrls: readonly string[],
  cluster: ReadonlyMap<string, readonly string[]>,
): void {
  const listed = cluster.get(name);
  if (listed === undefined)
    invalid('initialCluster', `has no member named "${name}" (the name option)`);
  const a = [...listed].sort().join(',');
  const b = [...peerUrls].sort().join(',');
  if (a !== b) {
    invalid(
      'initialCluster',
      `--initial-cluster has ${name}=${a} but missing from --initial-advertise-peer-urls=${b}`,
    );
  }
}

interface ResolvedUrls {
  readonly listenClientUrls: readonly string[];
  readonly advertiseClientUrls: readonly string[];
  readonly listenPeerUrls: readonly string[];
  readonly initialAdvertisePeerUrls: readonly string[];
  readonly listenMetricsUrls: readonly string[];
}

function resolveUrls(input: ServerConfig): ResolvedUrls {
  if (input.listenClientUrls !== undefined && input.advertiseClientUrls === undefined) {
    invalid(
      'advertiseClientUrls',
      '--advertise-client-urls is required when --listen-client-urls is set explicitly',
    );
  }
  const listenMetricsUrls = input.listenMetricsUrls ?? [];
  if (listenMetricsUrls.length > 0) checkUrls('listenMetricsUrls', listenMetricsUrls, true);
  return {
    listenClientUrls: checkUrls(
      'listenClientUrls',
      input.listenClientUrls ?? [d.defaultClientUrl],
      true,
    ),
    advertiseClientUrls: checkUrls(
      'advertiseClientUrls',
      input.advertiseClientUrls ?? [d.defaultClientUrl],
      false,
    ),
    listenPeerUrls: checkUrls('listenPeerUrls', input.listenPeerUrls ?? [d.defaultPeerUrl], true),
    initialAdvertisePeerUrls: checkUrls(
      'initialAdvertisePeerUrls',
      input.initialAdvertisePeerUrls ?? [d.defaultPeerUrl],
      false,
    ),
    listenMetricsUrls,
  };
}

function resolveLeaseCheckpoints(input: ServerConfig) {
  const enableLeaseCheckpoint = input.enableLeaseCheckpoint ?? false;
  const leaseCheckpointPersist = input.leaseCheckpointPersist ?? false;
  if (leaseCheckpointPersist && !enableLeaseCheckpoint) {
    invalid(
      'leaseCheckpointPersist',
      'setting experimental-enable-lease-checkpoint-persist requires experimental-enable-lease-checkpoint',
    );
  }
  const leaseCheckpointIntervalMs = positiveInt(
    'leaseCheckpointIntervalMs',
    input.leaseCheckpointIntervalMs ?? d.defaultLeaseCheckpointIntervalMs,
  );
  return { enableLeaseCheckpoint, leaseCheckpointPersist, leaseCheckpointIntervalMs };
}

function resolveLimits(input: ServerConfig) {
  return {
    snapshotCount: positiveInt('snapshotCount', input.snapshotCount ?? d.defaultSnapshotCount),
    snapshotCatchUpEntries: positiveInt(
      'snapshotCatchUpEntries',
      input.snapshotCatchUpEntries ?? d.defaultSnapshotCatchUpEntries,
    ),
    quotaBackendBytes: positiveInt(
      'quotaBackendBytes',
      input.quotaBackendBytes ?? d.defaultQuotaBackendBytes,
    ),
    maxRequestBytes: positiveInt(
      'maxRequestBytes',
      input.maxRequestBytes ?? d.defaultMaxRequestBytes,
    ),
    maxTxnOps: positiveInt('maxTxnOps', input.maxTxnOps ?? d.defaultMaxTxnOps),
    maxLearners: positiveInt('maxLearners', input.maxLearners ?? d.defaultMaxLearners),
  };
}

/**
 * Fills in etcd 3.6's defaults and checks etcd's rules.
 *
 * @throws EmbedError `INVALID_CONFIG`, with a message naming the field and the rule broken.
 */
export function resolveConfig(input: ServerConfig): ResolvedConfig {
  const name = input.name ?? d.defaultName;
  if (name === '') invalid('name', 'must not be empty');
  const dataDir = input.dataDir ?? `${name}.etcd`;
  const urls = resolveUrls(input);
  checkTlsConfig(input, urls);
  const initialCluster = parseInitialCluster(
    input.initialCluster ?? urls.initialAdvertisePeerUrls.map((u) => `${name}=${u}`).join(','),
  );
  const clusterState = input.clusterState ?? 'new';
  if (!['new', 'existing'].includes(clusterState)) {
    invalid('clusterState', `unexpected clusterState "${clusterState}"`);
  }
  if (clusterState === 'new')
    checkSelfInCluster(name, urls.initialAdvertisePeerUrls, initialCluster);
  const tickMs = input.tickMs ?? d.defaultTickMs;
  const electionMs = input.electionMs ?? d.defaultElectionMs;
  checkTiming(tickMs, electionMs);
  const autoCompactionMode = input.autoCompactionMode ?? 'periodic';
  const autoCompactionRetention = input.autoCompactionRetention ?? '0';
  const initialClusterToken = input.initialClusterToken ?? d.defaultClusterToken;
  if (initialClusterToken === '') invalid('initialClusterToken', 'must not be empty');
  return {
    name,
    dataDir,
    walDir: input.walDir ?? join(dataDir, 'member', 'wal'),
    ...urls,
    initialCluster,
    clusterState,
    initialClusterToken,
    tickMs,
    electionMs,
    autoCompactionMode,
    autoCompactionRetention,
    autoCompaction: resolveAutoCompaction(autoCompactionMode, autoCompactionRetention),
    ...resolveLimits(input),
    ...resolveLeaseCheckpoints(input),
    preVote: input.preVote ?? true,
    strictReconfigCheck: input.strictReconfigCheck ?? true,
    ...(input.clientTls === undefined ? {} : { clientTls: input.clientTls }),
    ...(input.peerTls === undefined ? {} : { peerTls: input.peerTls }),
    ...(input.logger === undefined ? {} : { logger: input.logger }),
  };
}
