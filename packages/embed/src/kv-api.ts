// server.kv: etcd's KV service in process, with no network hop. Writes go through Raft; a
// linearizable range waits for a ReadIndex barrier, a serializable one reads local state.
import {
  isMvccError,
  type ApplyRequest,
  type ApplyResponse,
  type ApplyResult,
  type CompactionRequest,
  type CompactionResponse,
  type DeleteRangeRequest,
  type DeleteRangeResponse,
  type MvccStore,
  type PutRequest,
  type PutResponse,
  type RangeRequest,
  type RangeResponse,
  type TxnRequest,
  type TxnResponse,
} from '@keel/kv-mvcc';
import { assert } from './assert.js';

/** What every answer of the server carries (etcd's ResponseHeader). */
export interface ResponseHeader {
  readonly clusterId: number;
  readonly memberId: number;
  /** The store revision the answer reflects. */
  readonly revision: number;
  readonly raftTerm: number;
}

/** A response with its header. */
export type WithHeader<T> = T & { readonly header: ResponseHeader };

/** The in-process KV API (etcd's KV service). */
export interface KvApi {
  /**
   * Reads a key or range. Linearizable unless `serializable` (then this member's local state).
   * @throws MvccError COMPACTED, FUTURE_REV, EMPTY_KEY; EmbedError TIMEOUT, STOPPED, OVERLOADED
   */
  range(req: RangeRequest): Promise<WithHeader<RangeResponse>>;
  /** @throws MvccError (request checks, NO_SPACE); EmbedError NOT_LEADER, TIMEOUT, STOPPED, OVERLOADED, REQUEST_TOO_LARGE */
  put(req: PutRequest): Promise<WithHeader<PutResponse>>;
  /** As `put`. */
  deleteRange(req: DeleteRangeRequest): Promise<WithHeader<DeleteRangeResponse>>;
  /** As `put`; a txn with only reads is proposed too (as etcd does for linearizable txns). */
  txn(req: TxnRequest): Promise<WithHeader<TxnResponse>>;
  /** Compacts revisions below `revision`; `physical` waits until their space is reclaimed. */
  compact(req: CompactionRequest): Promise<WithHeader<CompactionResponse>>;
}

/** What the KV API needs from the server. */
export interface KvHost {
  readonly store: MvccStore;
  propose(request: ApplyRequest): Promise<ApplyResult>;
  readBarrier(): Promise<unknown>;
  header(): ResponseHeader;
  /**
   * Raises the NOSPACE alarm cluster-wide (called when the quota check fails); resolves once the
   * alarm is applied here or could not be proposed (the next failing write tries again).
   */
  raiseNoSpace(): Promise<void>;
  /** @throws EmbedError STOPPED once the server is closing. */
  checkOpen(): void;
}

/** Proposes `request` after the quota check and returns its response, or throws its error. */
export async function proposeRequest(host: KvHost, request: ApplyRequest): Promise<ApplyResponse> {
  host.checkOpen();
  try {
    host.store.checkQuota(request);
  } catch (e) {
    // As etcd: the proposer raises the alarm, then answers NO_SPACE. Waiting for the alarm keeps
    // the answer and the cluster's state in step (every member then refuses such writes).
    if (isMvccError(e, 'NO_SPACE')) await host.raiseNoSpace();
    throw e;
  }
  const result = await host.propose(request);
  if ('error' in result) throw result.error;
  assert('response' in result, 'a new proposal is never skipped as already applied');
  return result.response;
}

function pick(response: ApplyResponse, name: string): object {
  const value = (response as Record<string, unknown>)[name];
  assert(
    typeof value === 'object' && value !== null,
    `the store answered ${name} with another kind`,
  );
  return value;
}

/** Builds `server.kv` over `host`. */
export function createKvApi(host: KvHost): KvApi {
  const withHeader = <T extends object>(r: T): WithHeader<T> => ({ ...r, header: host.header() });
  const write = async <T extends object>(request: ApplyRequest, name: string) =>
    withHeader(pick(await proposeRequest(host, request), name) as T);
  return {
    async range(req) {
      host.checkOpen();
      if (req.serializable !== true) await host.readBarrier();
      return withHeader(host.store.range(req));
    },
    put: (req) => write<PutResponse>({ put: req }, 'put'),
    deleteRange: (req) => write<DeleteRangeResponse>({ deleteRange: req }, 'deleteRange'),
    txn: (req) => write<TxnResponse>({ txn: req }, 'txn'),
    async compact(req) {
      const res = await write<CompactionResponse>({ compaction: req }, 'compaction');
      if (req.physical === true) await host.store.runCompaction();
      return res;
    },
  };
}
