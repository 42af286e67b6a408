// @keel/bench: Keel against real etcd, side by side. `pnpm bench:etcd` runs src/bench-etcd.ts;
// the lean client and the encoders are exported for other benchmarks and tools.
export {
  encodePut,
  encodeRange,
  encodeRangePrefixKeys,
  encodeStatus,
  encodeTxnPuts,
  encodeWatchPrefix,
  grpcFrame,
} from './etcd-requests.js';
export { findExecutable } from './find-executable.js';
export { GrpcCallError, GrpcLoadClient } from './grpc-load-client.js';
export { countField, forEachField, GrpcMessageReader, unaryMessage } from './proto-reader.js';
export type { ProtoValue } from './proto-reader.js';
