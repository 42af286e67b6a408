// raft-wal: the whole public API. Whatever is not exported here is internal.
export { WalError, walErrorCodes, isWalError } from './errors.js';
export type { WalErrorCode } from './errors.js';
