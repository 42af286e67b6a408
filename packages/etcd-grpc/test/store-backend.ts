// The test backend: an EtcdBackend over a real kv-mvcc store (LMDB in a temp directory), as a
// single member would run it with no Raft: each write is applied at once as the next log entry.
// Lease expiry runs on real timers here (in embed the leader's clock does it); membership and
// alarms-by-member are kept in memory, enough to exercise the Cluster and Maintenance services.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MvccStore } from '@keel/kv-mvcc';
import type {
  AlarmRequest,
  AlarmResponse,
  ApplyRequest,
  ApplyResponse,
  CompactionRequest,
  CompactionResponse,
  DeleteRangeRequest,
  DeleteRangeResponse,
  HashKVRequest,
  HashKVResponse,
  LeaseGrantRequest,
  LeaseGrantResponse,
  LeaseKeepAliveRequest,
  LeaseKeepAliveResponse,
  LeaseLeasesResponse,
  LeaseRevokeRequest,
  LeaseRevokeResponse,
  LeaseTimeToLiveRequest,
  LeaseTimeToLiveResponse,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  TxnRequest,
  TxnResponse,
  WatchCreateRequest,
  WatchHandle,
  WatchResponse,
} from '@keel/kv-mvcc';
import {
  EtcdGrpcError,
  type BackendSnapshot,
  type EtcdBackend,
  type MemberInfo,
  type MemberStatus,
  type ResponseHeaderInfo,
} from '../src/index.js';

/** Options of the test backend. */
export interface StoreBackendOptions {
  /** 0 plays a member that knows no leader. */
  readonly leaderId?: number | undefined;
}

/** Picks the member of `res` named `name`; the store answers with the request's own kind. */
function pick(res: ApplyResponse, name: string): unknown {
  return (res as Record<string, unknown>)[name];
}

/**
 * Plays embed's EmbedError, which etcd-grpc may not import (embed sits above it): the server
 * recognises it by class name and code, so this is what embed's own error looks like to it.
 */
class EmbedLikeError extends Error {
  override readonly name = 'EmbedError';
  constructor(readonly code: string) {
    super(code);
  }
}

/** All of `stream` in one buffer; kv-mvcc's snapshot stream is sync or async across versions. */
async function concatChunks(
  stream: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
): Promise<Buffer> {
  const parts: Buffer[] = [];
  if (Symbol.asyncIterator in stream) {
    for await (const chunk of stream) parts.push(Buffer.from(chunk));
  } else {
    for (const chunk of stream) parts.push(Buffer.from(chunk));
  }
  return Buffer.concat(parts);
}

/** The test backend. `store` is exposed so tests can read revisions or compact directly. */
export class StoreBackend implements EtcdBackend {
  readonly memberId = 0x1234;
  readonly clusterId = 0xabcd;
  leader: number;
  /** True plays a learner member (tests flip it). */
  learner = false;
  readonly #timers = new Map<number, { timer: NodeJS.Timeout; expiresAtMs: number }>();
  #index = 0;
  #members: MemberInfo[];

  private constructor(
    readonly store: MvccStore,
    readonly dir: string,
    opts: StoreBackendOptions,
  ) {
    this.leader = opts.leaderId ?? this.memberId;
    const self = { id: this.memberId, name: 'default', isLearner: false };
    this.#members = [
      { ...self, peerUrls: ['http://127.0.0.1:2380'], clientUrls: ['http://127.0.0.1:2379'] },
    ];
  }

  /** Opens a fresh store in a new temp directory. */
  static async open(opts: StoreBackendOptions = {}): Promise<StoreBackend> {
    const dir = await mkdtemp(path.join(tmpdir(), 'keel-etcd-grpc-'));
    return new StoreBackend(MvccStore.open({ path: dir, unsafeNoSync: true }), dir, opts);
  }

  /** Applies one request as the next log entry; a failed request throws its MvccError. */
  #apply(request: ApplyRequest): ApplyResponse {
    this.store.checkQuota(request);
    const [result] = this.store.apply([{ index: ++this.#index, request }]);
    if (result === undefined) throw new Error('the store returned no result');
    if ('error' in result) throw result.error;
    if (!('response' in result)) throw new Error(`entry ${result.index} was skipped as applied`);
    return result.response;
  }

  header(): ResponseHeaderInfo {
    return {
      clusterId: this.clusterId,
      memberId: this.memberId,
      revision: this.store.revision,
      raftTerm: 2,
    };
  }

  leaderId(): number {
    return this.leader;
  }

  isLearner(): boolean {
    return this.learner;
  }

  range = async (req: RangeRequest): Promise<RangeResponse> =>
    Promise.resolve(this.store.range(req));
  put = async (req: PutRequest): Promise<PutResponse> =>
    Promise.resolve(pick(this.#apply({ put: req }), 'put') as PutResponse);
  deleteRange = async (req: DeleteRangeRequest): Promise<DeleteRangeResponse> =>
    Promise.resolve(pick(this.#apply({ deleteRange: req }), 'deleteRange') as DeleteRangeResponse);
  txn = async (req: TxnRequest): Promise<TxnResponse> =>
    Promise.resolve(pick(this.#apply({ txn: req }), 'txn') as TxnResponse);
  compact = async (req: CompactionRequest): Promise<CompactionResponse> => {
    const res = pick(this.#apply({ compaction: req }), 'compaction') as CompactionResponse;
    if (req.physical === true) await this.store.runCompaction();
    return res;
  };
  watch = (req: WatchCreateRequest, onResponse: (r: WatchResponse) => void): WatchHandle =>
    this.store.watch(req, onResponse);

  #arm(id: number, ttlSeconds: number): void {
    const old = this.#timers.get(id);
    if (old !== undefined) clearTimeout(old.timer);
    const timer = setTimeout(() => {
      this.#timers.delete(id);
      this.#apply({ leaseRevoke: { ID: id } });
    }, ttlSeconds * 1000);
    timer.unref();
    this.#timers.set(id, { timer, expiresAtMs: Date.now() + ttlSeconds * 1000 });
  }

  leaseGrant = async (req: LeaseGrantRequest): Promise<LeaseGrantResponse> => {
    const res = pick(this.#apply({ leaseGrant: req }), 'leaseGrant') as LeaseGrantResponse;
    this.#arm(res.ID, res.TTL);
    return Promise.resolve(res);
  };
  leaseRevoke = async (req: LeaseRevokeRequest): Promise<LeaseRevokeResponse> => {
    const res = pick(this.#apply({ leaseRevoke: req }), 'leaseRevoke') as LeaseRevokeResponse;
    clearTimeout(this.#timers.get(req.ID)?.timer);
    this.#timers.delete(req.ID);
    return Promise.resolve(res);
  };
  leaseKeepAlive = async (req: LeaseKeepAliveRequest): Promise<LeaseKeepAliveResponse> => {
    const res = this.store.leaseKeepAlive(req);
    this.#arm(req.ID, res.TTL);
    return Promise.resolve(res);
  };
  /** The store has no clock: the remaining TTL comes from this backend's expiry timer. */
  leaseTimeToLive = async (req: LeaseTimeToLiveRequest): Promise<LeaseTimeToLiveResponse> => {
    const res = this.store.leaseTimeToLive(req);
    const expiresAtMs = this.#timers.get(req.ID)?.expiresAtMs ?? Date.now();
    const TTL = Math.max(0, Math.ceil((expiresAtMs - Date.now()) / 1000));
    return Promise.resolve({ ...res, TTL });
  };
  leaseLeases = async (): Promise<LeaseLeasesResponse> => Promise.resolve(this.store.leaseLeases());

  memberList = async (): Promise<readonly MemberInfo[]> => Promise.resolve(this.#members);
  memberAdd = async (req: { peerUrls: readonly string[]; isLearner: boolean }) => {
    if (this.#members.some((m) => m.peerUrls.some((u) => req.peerUrls.includes(u)))) {
      throw new EtcdGrpcError({ code: 'PEER_URL_EXISTS' });
    }
    const id = 0x5678 + this.#members.length;
    const member: MemberInfo = {
      id,
      name: '',
      peerUrls: req.peerUrls,
      clientUrls: [],
      isLearner: req.isLearner,
    };
    this.#members = [...this.#members, member];
    return Promise.resolve({ member, members: this.#members });
  };
  #find(id: number): MemberInfo {
    const m = this.#members.find((x) => x.id === id);
    if (m === undefined) throw new EtcdGrpcError({ code: 'MEMBER_NOT_FOUND' });
    return m;
  }
  memberRemove = async (id: number): Promise<readonly MemberInfo[]> => {
    this.#find(id);
    this.#members = this.#members.filter((m) => m.id !== id);
    return Promise.resolve(this.#members);
  };
  memberUpdate = async (req: {
    id: number;
    peerUrls: readonly string[];
  }): Promise<readonly MemberInfo[]> => {
    const m = this.#find(req.id);
    this.#members = this.#members.map((x) => (x === m ? { ...m, peerUrls: req.peerUrls } : x));
    return Promise.resolve(this.#members);
  };
  memberPromote = async (id: number): Promise<readonly MemberInfo[]> => {
    const m = this.#find(id);
    if (!m.isLearner) throw new EtcdGrpcError({ code: 'MEMBER_NOT_LEARNER' });
    this.#members = this.#members.map((x) => (x === m ? { ...m, isLearner: false } : x));
    return Promise.resolve(this.#members);
  };

  status = async (): Promise<MemberStatus> =>
    Promise.resolve({
      version: '3.6.0',
      dbSizeBytes: this.store.dbSizeBytes(),
      dbSizeInUseBytes: this.store.dbSizeBytes(),
      dbSizeQuotaBytes: 2 * 1024 ** 3,
      leader: this.leader,
      raftIndex: this.#index,
      raftTerm: 2,
      raftAppliedIndex: this.#index,
      errors: this.store.alarms().map((a) => `memberID:${a.memberID} alarm:${a.alarm} `),
      isLearner: this.learner,
    });
  hashKv = async (req: HashKVRequest): Promise<HashKVResponse> =>
    Promise.resolve(this.store.hashKV(req));
  hash = async (): Promise<{ hash: number }> =>
    Promise.resolve({ hash: this.store.hashKV({}).hash });
  /**
   * etcd answers ACTIVATE and DEACTIVATE with the alarm that changed (etcdctl's `alarm disarm`
   * prints it); kv-mvcc answers DEACTIVATE with no alarms, so the answer is rebuilt here.
   */
  alarm = async (req: AlarmRequest): Promise<AlarmResponse> => {
    const before = this.store.alarms();
    if (req.action === 'GET') return { alarms: before, revision: this.store.revision };
    const res = pick(this.#apply({ alarm: req }), 'alarm') as AlarmResponse;
    const after = this.store.alarms();
    const key = (a: { memberID: number; alarm: string }): string => `${a.memberID}/${a.alarm}`;
    const [from, to] = req.action === 'ACTIVATE' ? [before, after] : [after, before];
    const changed = to.filter((a) => !from.some((b) => key(a) === key(b)));
    return Promise.resolve({ alarms: changed, revision: res.revision });
  };
  defragment = async (): Promise<void> => Promise.resolve();
  /**
   * The store's snapshot stream, padded to whole 512-byte pages: etcdctl 3.4 finds the sha256
   * trailer by that alignment (a bolt file is whole pages).
   */
  snapshot = async (): Promise<BackendSnapshot> => {
    const data = await concatChunks(this.store.snapshot());
    const bytes = Buffer.alloc(Math.ceil(data.length / 512) * 512);
    data.copy(bytes);
    async function* chunks(): AsyncIterable<Uint8Array> {
      yield await Promise.resolve(bytes.subarray(0, 100));
      yield bytes.subarray(100);
    }
    return { sizeBytes: bytes.length, chunks: chunks() };
  };
  moveLeader = async (targetId: number): Promise<void> => {
    if (this.leader !== this.memberId) throw new EmbedLikeError('NOT_LEADER');
    if (targetId !== this.memberId) throw new EtcdGrpcError({ code: 'BAD_LEADER_TRANSFEREE' });
    return Promise.resolve();
  };

  /** Stops lease timers, closes the store and removes its directory. */
  async close(): Promise<void> {
    for (const t of this.#timers.values()) clearTimeout(t.timer);
    await this.store.close();
    await rm(this.dir, { recursive: true, force: true });
  }
}
