// etcd's Cluster service: membership calls passed to the backend, members encoded as etcd's
// Member message.
import type { MemberInfo } from '../backend.js';
import { headerOf } from '../codec-kv.js';
import type { ServiceMethods } from '../grpc-method.js';
import { unary } from '../unary-method.js';
import { int64ToNumber, type Int64Field } from '../int64.js';
import type { ServiceContext } from './context.js';

/** etcdserverpb.Member as protobufjs encodes it. */
export function encodeMember(m: MemberInfo): object {
  return {
    ID: m.id,
    name: m.name,
    peerURLs: m.peerUrls,
    clientURLs: m.clientUrls,
    isLearner: m.isLearner,
  };
}

/** The Cluster service's handlers over `ctx.backend`. */
export function clusterService(ctx: ServiceContext): ServiceMethods {
  const { backend, gate } = ctx;
  return {
    MemberAdd: unary<{ peerURLs: string[]; isLearner: boolean }>(gate, async (pb) => {
      const res = await backend.memberAdd({ peerUrls: pb.peerURLs, isLearner: pb.isLearner });
      return {
        header: headerOf(backend),
        member: encodeMember(res.member),
        members: res.members.map(encodeMember),
      };
    }),
    MemberRemove: unary<{ ID: Int64Field }>(gate, async (pb) => {
      const res = await backend.memberRemove(int64ToNumber(pb.ID, 'ID'));
      return { header: headerOf(backend), members: res.map(encodeMember) };
    }),
    MemberUpdate: unary<{ ID: Int64Field; peerURLs: string[] }>(gate, async (pb) => {
      const id = int64ToNumber(pb.ID, 'ID');
      const res = await backend.memberUpdate({ id, peerUrls: pb.peerURLs });
      return { header: headerOf(backend), members: res.map(encodeMember) };
    }),
    MemberList: unary<{ linearizable: boolean }>(gate, async (pb) => {
      const res = await backend.memberList({ linearizable: pb.linearizable });
      return { header: headerOf(backend), members: res.map(encodeMember) };
    }),
    MemberPromote: unary<{ ID: Int64Field }>(gate, async (pb) => {
      const res = await backend.memberPromote(int64ToNumber(pb.ID, 'ID'));
      return { header: headerOf(backend), members: res.map(encodeMember) };
    }),
  };
}
