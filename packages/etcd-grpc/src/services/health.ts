// The standard gRPC health service (grpc.health.v1). The server, and each etcd service name,
// is SERVING while the backend knows a leader and NOT_SERVING otherwise, which is what a load
// balancer probing an etcd member wants to know.
import { status as grpcStatus } from '@grpc/grpc-js';
import type { EtcdBackend } from '../backend.js';
import type { ServiceMethods } from '../grpc-method.js';
import { serverStream } from '../stream-method.js';
import { unary } from '../unary-method.js';
import { EtcdAnswer } from '../status.js';

const SERVING = 1;
const NOT_SERVING = 2;

/** The service names the health service answers for ('' is the whole server). */
export const healthServiceNames: ReadonlySet<string> = new Set([
  '',
  'etcdserverpb.KV',
  'etcdserverpb.Watch',
  'etcdserverpb.Lease',
  'etcdserverpb.Cluster',
  'etcdserverpb.Maintenance',
  'etcdserverpb.Auth',
  'v3electionpb.Election',
  'v3lockpb.Lock',
]);

function statusFor(backend: EtcdBackend, service: string): number {
  if (!healthServiceNames.has(service)) {
    throw new EtcdAnswer({ code: grpcStatus.NOT_FOUND, details: 'unknown service' });
  }
  return backend.leaderId() === 0 ? NOT_SERVING : SERVING;
}

/**
 * The health service's handlers. Check and Watch are not gated on `hasleader`: they report the
 * missing leader as NOT_SERVING instead; nor on being a learner (a probe learns the member is up). Watch sends the current status and stays open until the
 * client leaves (status changes are not pushed yet).
 */
export function healthService(backend: EtcdBackend): ServiceMethods {
  const ungated = { leaderId: (): number => 1, isLearner: (): boolean => false };
  return {
    Check: unary<{ service: string }>(ungated, (pb) => ({
      status: statusFor(backend, pb.service),
    })),
    Watch: serverStream<{ service: string }>(ungated, async (pb, call) => {
      call.write({ status: statusFor(backend, pb.service) });
      await new Promise<void>((resolve) => {
        call.once('cancelled', resolve);
      });
    }),
  };
}
