/** etcd's default `--max-request-bytes`: 1.5 MiB. */
export const maxRequestBytesDefault = 1.5 * 1024 * 1024;

/** The slack etcd adds to maxRequestBytes for the gRPC receive limit (framing, headers). */
export const grpcOverheadBytes = 512 * 1024;

/**
 * The gRPC server's receive limit for a given `maxRequestBytes`, as etcd computes it: a request
 * between the two limits is received and then refused with "etcdserver: request is too large".
 */
export function grpcReceiveBytesMax(maxRequestBytes: number): number {
  if (!Number.isSafeInteger(maxRequestBytes) || maxRequestBytes <= 0) {
    throw new RangeError(`maxRequestBytes must be a positive integer, got ${maxRequestBytes}`);
  }
  return maxRequestBytes + grpcOverheadBytes;
}

/**
 * How many leader checks in a row, one per election timeout, find no leader before streams that
 * asked for one (`hasleader`) end with "etcdserver: no leader" (etcd's maxNoLeaderCnt).
 */
export const noLeaderChecksMax = 3;

/** etcd's default `--election-timeout` in ms: the interval of those checks. */
export const electionTimeoutMsDefault = 1000;

/** etcd's default `--max-txn-ops`: the most operations one txn branch may hold. */
export const txnOpsMaxDefault = 128;

/**
 * Bytes of snapshot sent per SnapshotResponse message: etcd's chunk size, small enough that a
 * client's default receive limit never trips on a snapshot stream.
 */
export const snapshotChunkBytes = 32 * 1024;

/** The length of the sha256 trailer etcd appends to a snapshot stream. */
export const snapshotHashBytes = 32;

/** The most watchers one Watch stream may hold; a create beyond it is refused. */
export const watchesPerStreamMax = 10_000;

/**
 * Bytes of watch responses one stream may have queued behind a slow client (gRPC flow control
 * pushing back). Past it the stream ends with etcd's "too many requests", and etcd's clients
 * re-create their watchers from the last revision they saw, so nothing is lost and one slow
 * reader cannot make the server buffer without bound.
 */
export const watchStreamPendingBytesMax = 64 * 1024 * 1024;

/** The most concurrent HTTP/2 streams (calls) one client connection may open. */
export const concurrentStreamsPerConnectionMax = 1024;

/** The largest TTL in seconds a lease may be granted, as in etcd (9,000,000,000 s). */
export const leaseTtlSecondsMax = 9_000_000_000;

/** The largest integer a request field may carry: int64 values beyond it are refused. */
export const int64Max = Number.MAX_SAFE_INTEGER;

/**
 * The largest JSON body the gateway reads for one request, for a given `maxRequestBytes`: base64
 * makes bytes 4/3 longer and JSON adds names and quotes, so it is twice the gRPC receive limit. A
 * larger body is refused (RESOURCE_EXHAUSTED, HTTP 429) before it is parsed; a body within it
 * still meets the maxRequestBytes check on its protobuf size, as a gRPC request does.
 */
export function gatewayBodyBytesMax(maxRequestBytes: number): number {
  return 2 * grpcReceiveBytesMax(maxRequestBytes);
}

/**
 * How long a new connection on the client port may stay silent before its first bytes tell
 * HTTP/2 (gRPC) from HTTP/1.x (the JSON gateway, /health, /version, /metrics); then it is closed.
 */
export const protocolSniffMs = 30_000;
