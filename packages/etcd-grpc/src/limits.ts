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
