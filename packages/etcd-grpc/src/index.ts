// etcd-grpc: the whole public API. Whatever is not exported here is internal.
export { createEtcdGrpcServer, watchProgressNotifyMsDefault } from './server.js';
export type {
  EtcdGrpcServer,
  EtcdGrpcServerOptions,
  GrpcServerTls,
  HttpHandler,
} from './server.js';
export type {
  BackendSnapshot,
  EtcdBackend,
  EtcdClusterBackend,
  EtcdKvBackend,
  EtcdLeaseBackend,
  EtcdMaintenanceBackend,
  MemberInfo,
  MemberStatus,
  ResponseHeaderInfo,
} from './backend.js';
export { EtcdGrpcError, etcdGrpcErrorCodes, isEtcdGrpcError } from './errors.js';
export type { EtcdGrpcErrorCode } from './errors.js';
export { etcdStatuses, toEtcdStatus } from './status.js';
export type { EtcdStatus, EtcdStatusName } from './status.js';
export {
  concurrentStreamsPerConnectionMax,
  gatewayBodyBytesMax,
  grpcOverheadBytes,
  grpcReceiveBytesMax,
  int64Max,
  leaseTtlSecondsMax,
  maxRequestBytesDefault,
  protocolSniffMs,
  snapshotChunkBytes,
  snapshotHashBytes,
  txnOpsMaxDefault,
  watchesPerStreamMax,
  watchStreamPendingBytesMax,
} from './limits.js';
