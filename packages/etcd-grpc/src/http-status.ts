// grpc-gateway's mapping from gRPC status codes to HTTP statuses, as etcd 3.4's gateway answers.
import { status as grpcStatus } from '@grpc/grpc-js';

/** The HTTP status grpc-gateway (v1, etcd 3.4's) answers for each gRPC code. */
const httpStatusByCode: Readonly<Record<number, number>> = {
  [grpcStatus.OK]: 200,
  [grpcStatus.CANCELLED]: 408,
  [grpcStatus.UNKNOWN]: 500,
  [grpcStatus.INVALID_ARGUMENT]: 400,
  [grpcStatus.DEADLINE_EXCEEDED]: 504,
  [grpcStatus.NOT_FOUND]: 404,
  [grpcStatus.ALREADY_EXISTS]: 409,
  [grpcStatus.PERMISSION_DENIED]: 403,
  [grpcStatus.UNAUTHENTICATED]: 401,
  [grpcStatus.RESOURCE_EXHAUSTED]: 429,
  [grpcStatus.FAILED_PRECONDITION]: 412,
  [grpcStatus.ABORTED]: 409,
  [grpcStatus.OUT_OF_RANGE]: 400,
  [grpcStatus.UNIMPLEMENTED]: 501,
  [grpcStatus.INTERNAL]: 500,
  [grpcStatus.UNAVAILABLE]: 503,
  [grpcStatus.DATA_LOSS]: 500,
};

/** The HTTP status for gRPC code `code`, as grpc-gateway maps it (500 for an unknown code). */
export function httpStatusOf(code: number): number {
  return httpStatusByCode[code] ?? 500;
}
