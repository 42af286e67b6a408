// raft-transport-ws: the whole public API. Whatever is not exported here is internal.
export { TransportError, transportErrorCodes, isTransportError } from './errors.js';
export type { TransportErrorCode } from './errors.js';
export { createTransport } from './transport.js';
export type { Transport } from './transport.js';
export type { SnapshotStatus, TransportConfig } from './config.js';
export type { LogFields, TransportLogger, TransportStats } from './context.js';
export type { IncomingSnapshot } from './inbound.js';
export type { SnapshotSource } from './snapshot-sender.js';
export type { LinkFault, LinkFaults } from './faults.js';
export { loadTls } from './tls.js';
export type { LoadedTls, TlsFileNames, TlsFiles } from './tls.js';
export { defaultLimits, limitCaps } from './limits.js';
export type { TransportLimits } from './limits.js';
export { closeCodes } from './handshake.js';
export { protocolVersion } from './codec.js';
