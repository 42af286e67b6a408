// embed: the whole public API. Whatever is not exported here is internal.
export {
  defaultClientUrl,
  defaultClusterToken,
  defaultElectionMs,
  defaultMaxLearners,
  defaultMaxRequestBytes,
  defaultMaxTxnOps,
  defaultName,
  defaultPeerUrl,
  defaultQuotaBackendBytes,
  defaultSnapshotCatchUpEntries,
  defaultSnapshotCount,
  defaultTickMs,
  electionMsMax,
} from './config-defaults.js';
export { parseInitialCluster, resolveConfig } from './config.js';
export type { AutoCompaction, Logger, ResolvedConfig, ServerConfig, TlsConfig } from './config.js';
export { EmbedError, embedErrorCodes, isEmbedError } from './errors.js';
export type { EmbedErrorCode } from './errors.js';
export { Leadership } from './leadership.js';
export type { LeaderChange, LeaderWork, LeaderWorkContext } from './leadership.js';
export { deriveClusterId, deriveMemberId, formatMemberId } from './member-id.js';
export { healthAnswer, startMetricsHttp } from './metrics-http.js';
export type { HealthQuery, HealthSource } from './metrics-http.js';
export { ServerMetrics } from './metrics.js';
export { createJsonLogger, logLevels, silentLogger } from './logger.js';
export type { LogLevel } from './logger.js';
export { Server, startServer } from './server.js';
export { restoreMember } from './restore-member.js';
export type { RestoreMemberOptions, RestoredMember } from './restore-member.js';
export type { CloseOptions, StartOptions } from './server.js';
export type { KvApi, ResponseHeader, WithHeader } from './kv-api.js';
export type { LeaseApi } from './lease-api.js';
export type { ClusterApi, Member } from './cluster-api.js';
export type { ClusterMember } from './cluster-file.js';
export { systemClock } from './clock.js';
export type { Cancel, Clock } from './clock.js';
export {
  applyLagEntriesMax,
  inboxEventsMax,
  pendingRequestsMax,
  readBatchCountMax,
  readRetryTicks,
  requestTimeoutBaseMs,
  requestTimeoutMs,
  joinFetchTimeoutMs,
  learnerReadyShare,
  publishRetryMs,
  reconfigHealthMs,
} from './limits.js';
