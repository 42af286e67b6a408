// kv-mvcc: the whole public API. Whatever is not exported here is internal.
export { MvccError, mvccErrorCodes, isMvccError } from './errors.js';
export type { MvccErrorCode } from './errors.js';
