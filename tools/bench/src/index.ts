// @keel/bench: Keel against real etcd, side by side.
export { encodePut, encodeRange, grpcFrame } from './etcd-requests.js';
export { findExecutable } from './find-executable.js';
export { GrpcCallError, GrpcLoadClient } from './grpc-load-client.js';
