// raft-transport-ws: the whole public API. Whatever is not exported here is internal.
export { TransportError, transportErrorCodes, isTransportError } from './errors.js';
export type { TransportErrorCode } from './errors.js';
