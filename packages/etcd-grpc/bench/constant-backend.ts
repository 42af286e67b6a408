// A backend that answers Put and Range at once with fixed results, so the benchmark can measure
// the gRPC edge (grpc-js, protobuf, mapping) without a store's cost. Benchmarks only.
import type { KeyValue, PutResponse, RangeResponse } from '@keel/kv-mvcc';
import type { EtcdBackend, ResponseHeaderInfo } from '../src/index.js';

const kv: KeyValue = {
  key: Buffer.from('bench/key'),
  createRevision: 2,
  modRevision: 9,
  version: 8,
  value: Buffer.alloc(64, 1),
  lease: 0,
};

function unused(): never {
  throw new Error('not used by the benchmark');
}

/** Put and Range only; every other call throws. */
export function constantBackend(): EtcdBackend {
  let revision = 1;
  const header = (): ResponseHeaderInfo => ({
    clusterId: 0xabcd,
    memberId: 0x1234,
    revision,
    raftTerm: 2,
  });
  return {
    header,
    leaderId: () => 0x1234,
    isLearner: () => false,
    put: (): Promise<PutResponse> => Promise.resolve({ revision: ++revision }),
    range: (): Promise<RangeResponse> =>
      Promise.resolve({ kvs: [kv], more: false, count: 1, revision }),
    deleteRange: unused,
    txn: unused,
    compact: unused,
    watch: unused,
    leaseGrant: unused,
    leaseRevoke: unused,
    leaseKeepAlive: unused,
    leaseTimeToLive: unused,
    leaseLeases: unused,
    memberList: unused,
    memberAdd: unused,
    memberRemove: unused,
    memberUpdate: unused,
    memberPromote: unused,
    status: unused,
    hashKv: unused,
    hash: unused,
    alarm: unused,
    defragment: unused,
    snapshot: unused,
    moveLeader: unused,
  };
}
