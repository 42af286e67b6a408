// etcd-grpc: the whole public API. Whatever is not exported here is internal.
export { grpcOverheadBytes, grpcReceiveBytesMax, maxRequestBytesDefault } from './limits.js';
