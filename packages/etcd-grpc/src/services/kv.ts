// etcd's KV service: Range, Put, DeleteRange, Txn and Compact, each a thin map from protobuf to
// the backend and back. Write requests larger than maxRequestBytes are refused before they reach
// the backend, as etcd refuses them before proposing.
import {
  decodeDeleteRangeRequest,
  decodePutRequest,
  decodeRangeRequest,
  decodeTxnRequest,
  encodeDeleteRangeResponse,
  headerOf,
  encodePutResponse,
  encodeRangeResponse,
  encodeTxnResponse,
  type PbDeleteRangeRequest,
  type PbPutRequest,
  type PbRangeRequest,
  type PbTxnRequest,
} from '../codec-kv.js';
import { EtcdGrpcError } from '../errors.js';
import type { ServiceMethods } from '../grpc-method.js';
import { learnerServes, unary } from '../unary-method.js';
import { int64ToNumber, type Int64Field } from '../int64.js';
import type { ServiceContext } from './context.js';

function checkSize(ctx: ServiceContext, sizeBytes: number): void {
  if (sizeBytes > ctx.maxRequestBytes) throw new EtcdGrpcError({ code: 'REQUEST_TOO_LARGE' });
}

/** A learner serves serializable ranges only (it cannot vouch for the latest revision). */
const servesSerializable = (pb: PbRangeRequest): boolean => pb.serializable;

/** The KV service's handlers over `ctx.backend`. */
export function kvService(ctx: ServiceContext): ServiceMethods {
  const { backend, gate } = ctx;
  return {
    Range: unary<PbRangeRequest>(learnerServes(gate, servesSerializable), async (pb) => {
      const res = await backend.range(decodeRangeRequest(pb));
      return { header: headerOf(backend, res.revision), ...encodeRangeResponse(res) };
    }),
    Put: unary<PbPutRequest>(gate, async (pb, sizeBytes) => {
      checkSize(ctx, sizeBytes);
      const res = await backend.put(decodePutRequest(pb));
      return { header: headerOf(backend, res.revision), ...encodePutResponse(res) };
    }),
    DeleteRange: unary<PbDeleteRangeRequest>(gate, async (pb, sizeBytes) => {
      checkSize(ctx, sizeBytes);
      const res = await backend.deleteRange(decodeDeleteRangeRequest(pb));
      return { header: headerOf(backend, res.revision), ...encodeDeleteRangeResponse(res) };
    }),
    Txn: unary<PbTxnRequest>(gate, async (pb, sizeBytes) => {
      checkSize(ctx, sizeBytes);
      const res = await backend.txn(decodeTxnRequest(pb, ctx.txnOpsMax));
      return { header: headerOf(backend, res.revision), ...encodeTxnResponse(res) };
    }),
    Compact: unary<{ revision: Int64Field; physical: boolean }>(gate, async (pb) => {
      const revision = int64ToNumber(pb.revision, 'revision');
      const res = await backend.compact({ revision, physical: pb.physical });
      return { header: headerOf(backend, res.revision) };
    }),
  };
}
