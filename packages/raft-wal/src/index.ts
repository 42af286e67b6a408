// raft-wal: the whole public API. Whatever is not exported here is internal.
export { WalError, walErrorCodes, isWalError } from './errors.js';
export type { WalErrorCode } from './errors.js';
export { RaftLog } from './raft-log.js';
export type { RaftLogOptions } from './raft-log.js';
export type { CreateSnapshotRequest, SaveRequest } from './log-plan.js';
export {
  cacheBytesCap,
  cacheBytesDefault,
  entryDataBytesMax,
  logBytesCap,
  logBytesDefault,
  mapBytesInitial,
  pendingOpsCap,
  pendingOpsDefault,
  snapshotDataBytesMax,
} from './limits.js';
export { dataFileName } from './lmdb-env.js';
