// From flag values (command line + ETCD_* variables, or a config file) to embed's ServerConfig.
// Only what was set reaches the config, so embed's resolveConfig fills etcd's defaults and checks
// the rules that span fields; the rules checked here are the ones that belong to flags: etcd's
// TLS pairing, https without certificates, keel-unsupported values, and the log level.
import type { ServerConfig, TlsConfig } from '@keel/embed';
import { assert } from './assert.js';
import { KeelError } from './errors.js';
import { findFlag } from './flag-table.js';
import { canonicalValue, parseFlagValue } from './flag-values.js';
import type { FlagValue } from './flag-values.js';
import { isLogLevel } from './notes.js';
import type { LogLevel, Note } from './notes.js';

/** Where the settings came from: flags and ETCD_* variables, or a config file alone. */
export type SettingsSource = 'flags' | 'config-file';

/** A standalone member's options, before embed's defaults and cross-field rules. */
export interface MemberOptions {
  readonly config: ServerConfig;
  /** `--log-level`: the lowest level keel prints. */
  readonly logLevel: LogLevel;
  /** Messages found while reading the settings, each with its level. */
  readonly notes: readonly Note[];
  readonly source: SettingsSource;
}

type Settings = ReadonlyMap<string, FlagValue>;

// etcd's default client URL; its config file path keeps it when only the listen URLs are set.
const defaultAdvertiseClientUrl = 'http://localhost:2379';

function invalid(message: string): never {
  throw new KeelError({ code: 'INVALID_CONFIG', message });
}

/** Notes for accepted-but-ignored flags; refuses unsupported flags set away from etcd's default. */
function checkEffects(settings: Settings): Note[] {
  const notes: Note[] = [];
  for (const [name, value] of settings) {
    const def = findFlag(name);
    assert(def !== undefined, `settings hold unknown flag ${name}`);
    const text = canonicalValue(value);
    if (def.effect === 'noop') {
      notes.push({
        level: 'debug',
        text: `--${name}=${text} is accepted for etcd compatibility and has no effect in keel`,
      });
      continue;
    }
    if (def.effect !== 'unsupported') continue;
    const fallback = parseFlagValue(def, def.defaultText);
    assert(fallback.ok, `default of --${name} must parse`);
    if (canonicalValue(fallback.value) === text) continue;
    throw new KeelError({
      code: 'UNSUPPORTED_FLAG',
      message:
        `--${name}=${text}: keel does not implement this etcd setting; remove it ` +
        `(only etcd's default '${def.defaultText}' is accepted)`,
    });
  }
  return notes;
}

function str(settings: Settings, name: string): string | undefined {
  const v = settings.get(name);
  assert(v === undefined || typeof v === 'string', `--${name} holds text`);
  return v;
}

function num(settings: Settings, name: string): number | undefined {
  const v = settings.get(name);
  assert(v === undefined || typeof v === 'number', `--${name} holds a number`);
  return v;
}

function bool(settings: Settings, name: string): boolean | undefined {
  const v = settings.get(name);
  assert(v === undefined || typeof v === 'boolean', `--${name} holds a boolean`);
  return v;
}

function list(settings: Settings, name: string): readonly string[] | undefined {
  const v = settings.get(name);
  assert(v === undefined || Array.isArray(v), `--${name} holds a list`);
  return v;
}

function tls(settings: Settings, prefix: '' | 'peer-'): TlsConfig | undefined {
  const certFile = str(settings, `${prefix}cert-file`) ?? '';
  const keyFile = str(settings, `${prefix}key-file`) ?? '';
  const trustedCaFile = str(settings, `${prefix}trusted-ca-file`) ?? '';
  const clientCertAuth = bool(settings, `${prefix}client-cert-auth`) ?? false;
  if (certFile === '' && keyFile === '') {
    if (trustedCaFile !== '' || clientCertAuth) {
      invalid(
        `--${prefix}trusted-ca-file and --${prefix}client-cert-auth need TLS: ` +
          `set --${prefix}cert-file and --${prefix}key-file too`,
      );
    }
    return undefined;
  }
  if (certFile === '' || keyFile === '') {
    invalid(`--${prefix}cert-file and --${prefix}key-file must be set together`);
  }
  return {
    certFile,
    keyFile,
    ...(trustedCaFile === '' ? {} : { trustedCaFile }),
    ...(clientCertAuth ? { clientCertAuth } : {}),
  };
}

/** etcd refuses an https URL on a listener without a certificate and key; so does keel. */
function checkHttps(urls: readonly string[] | undefined, what: 'client' | 'peer', tlsOn: boolean) {
  const https = (urls ?? []).find((u) => u.startsWith('https:'));
  if (https === undefined || tlsOn) return;
  const flags = what === 'client' ? '--cert-file, --key-file' : '--peer-cert-file, --peer-key-file';
  invalid(`TLS key/cert (${flags}) must be provided for ${what} url ${https} with HTTPS scheme`);
}

function autoCompactionMode(settings: Settings): ServerConfig['autoCompactionMode'] {
  const mode = str(settings, 'auto-compaction-mode');
  if (mode === undefined || mode === 'periodic' || mode === 'revision') return mode;
  return invalid(
    `unsupported compaction mode "${mode}": --auto-compaction-mode takes periodic or revision`,
  );
}

function quotaBackendBytes(settings: Settings): number | undefined {
  const quota = num(settings, 'quota-backend-bytes');
  // As etcd, 0 means the default quota. etcd turns the quota off when it is negative; keel
  // always enforces one, so it refuses instead of silently enforcing the default.
  if (quota === 0) return undefined;
  if (quota !== undefined && quota < 0) {
    invalid(`--quota-backend-bytes=${quota}: keel always enforces a quota; set a size or 0`);
  }
  return quota;
}

function logLevel(settings: Settings): LogLevel {
  const level = str(settings, 'log-level') ?? 'info';
  if (isLogLevel(level)) return level;
  return invalid(`unknown --log-level "${level}": use debug, info, warn, error, panic or fatal`);
}

/** Copies the entries whose value is defined, so the config lists only what was set. */
function defined<T extends object>(fields: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(fields).filter(([, v]) => v !== undefined),
  ) as Partial<T>;
}

function nonEmpty(text: string | undefined): string | undefined {
  return text === '' ? undefined : text;
}

function urls(settings: Settings, source: SettingsSource) {
  const listenClientUrls = list(settings, 'listen-client-urls');
  let advertiseClientUrls = list(settings, 'advertise-client-urls');
  // etcd's command line drops the default advertise URL once listen URLs are given (embed then
  // refuses the pair); its config file keeps the default. Follow whichever path was taken.
  if (source === 'config-file' && listenClientUrls !== undefined) {
    advertiseClientUrls ??= [defaultAdvertiseClientUrl];
  }
  return {
    listenClientUrls,
    advertiseClientUrls,
    listenPeerUrls: list(settings, 'listen-peer-urls'),
    initialAdvertisePeerUrls: list(settings, 'initial-advertise-peer-urls'),
    listenMetricsUrls: list(settings, 'listen-metrics-urls'),
  };
}

/**
 * Builds a member's options from flag values by canonical flag name.
 *
 * @throws KeelError `UNSUPPORTED_FLAG` for an unsupported etcd flag set away from its default;
 *   `INVALID_CONFIG` for TLS files that do not pair up, https without TLS, an unknown
 *   auto-compaction mode or log level, or a negative quota.
 */
export function buildMemberOptions(settings: Settings, source: SettingsSource): MemberOptions {
  const notes = checkEffects(settings);
  const clientTls = tls(settings, '');
  const peerTls = tls(settings, 'peer-');
  const u = urls(settings, source);
  checkHttps(u.listenClientUrls, 'client', clientTls !== undefined);
  checkHttps(u.listenPeerUrls, 'peer', peerTls !== undefined);
  const clusterState = str(settings, 'initial-cluster-state') as ServerConfig['clusterState'];
  const config: ServerConfig = defined({
    name: str(settings, 'name'),
    // etcd's empty default for both means "derive from the name" and "inside the data dir".
    dataDir: nonEmpty(str(settings, 'data-dir')),
    walDir: nonEmpty(str(settings, 'wal-dir')),
    ...u,
    initialCluster: str(settings, 'initial-cluster'),
    clusterState,
    initialClusterToken: str(settings, 'initial-cluster-token'),
    tickMs: num(settings, 'heartbeat-interval'),
    electionMs: num(settings, 'election-timeout'),
    snapshotCount: num(settings, 'snapshot-count'),
    snapshotCatchUpEntries: num(settings, 'snapshot-catchup-entries'),
    autoCompactionMode: autoCompactionMode(settings),
    autoCompactionRetention: str(settings, 'auto-compaction-retention'),
    quotaBackendBytes: quotaBackendBytes(settings),
    maxRequestBytes: num(settings, 'max-request-bytes'),
    maxTxnOps: num(settings, 'max-txn-ops'),
    maxLearners: num(settings, 'max-learners'),
    preVote: bool(settings, 'pre-vote'),
    strictReconfigCheck: bool(settings, 'strict-reconfig-check'),
    enableLeaseCheckpoint: bool(settings, 'experimental-enable-lease-checkpoint'),
    leaseCheckpointPersist: bool(settings, 'experimental-enable-lease-checkpoint-persist'),
    leaseCheckpointIntervalMs: num(settings, 'lease-checkpoint-interval'),
    clientTls,
    peerTls,
  });
  return { config, logLevel: logLevel(settings), notes, source };
}
