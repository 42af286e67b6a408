// A single-member EtcdBackend over MemoryKv for tests of the gRPC edge: requests are applied at
// once (no Raft), leases expire on a real timer, and watches are fed synchronously as each
// revision commits, which is the contract EtcdKvBackend.watch states.
import { MvccError } from '@keel/kv-mvcc';
import type {
  AlarmRequest,
  AlarmResponse,
  Event,
  LeaseGrantRequest,
  LeaseGrantResponse,
  LeaseTimeToLiveRequest,
  LeaseTimeToLiveResponse,
} from '@keel/kv-mvcc';
import {
  EtcdGrpcError,
  type BackendSnapshot,
  type BackendWatch,
  type BackendWatchRequest,
  type BackendWatchSink,
  type EtcdBackend,
  type MemberInfo,
  type MemberStatus,
  type ResponseHeaderInfo,
} from '../src/index.js';
import { inRange, MemoryKv } from './memory-kv.js';

interface Lease {
  readonly id: number;
  readonly ttlSeconds: number;
  expiresAtMs: number;
  timer: NodeJS.Timeout;
}

interface WatchEntry {
  readonly req: BackendWatchRequest;
  readonly sink: BackendWatchSink;
}

/** Options of the test backend. */
export interface MemoryBackendOptions {
  /** 0 simulates a member that knows no leader. */
  readonly leaderId?: number;
}

/** The test backend. `kv` is exposed so tests can inspect or compact the store directly. */
export class MemoryBackend implements EtcdBackend {
  readonly kv = new MemoryKv();
  readonly memberId = 0x1234;
  readonly clusterId = 0xabcd;
  leader: number;
  readonly #leases = new Map<number, Lease>();
  readonly #watches = new Set<WatchEntry>();
  readonly #alarms: { memberID: number; alarm: 'NOSPACE' | 'CORRUPT' }[] = [];
  #members: MemberInfo[];
  #nextLease = 0x7000;

  constructor(opts: MemoryBackendOptions = {}) {
    this.leader = opts.leaderId ?? this.memberId;
    this.#members = [
      {
        id: this.memberId,
        name: 'default',
        peerUrls: ['http://127.0.0.1:2380'],
        clientUrls: ['http://127.0.0.1:2379'],
        isLearner: false,
      },
    ];
    this.kv.onCommit = (events, revision) => {
      for (const w of this.#watches) deliver(w, events, revision);
    };
  }

  header(): ResponseHeaderInfo {
    return {
      clusterId: this.clusterId,
      memberId: this.memberId,
      revision: this.kv.revision,
      raftTerm: 2,
    };
  }

  leaderId(): number {
    return this.leader;
  }

  range = async (req: Parameters<EtcdBackend['range']>[0]) => Promise.resolve(this.kv.range(req));
  put = async (req: Parameters<EtcdBackend['put']>[0]) => {
    if (this.#alarms.some((a) => a.alarm === 'NOSPACE')) throw new MvccError({ code: 'NO_SPACE' });
    if (req.lease && !this.#leases.has(req.lease)) throw new MvccError({ code: 'LEASE_NOT_FOUND' });
    return Promise.resolve(this.kv.put(req));
  };
  deleteRange = async (req: Parameters<EtcdBackend['deleteRange']>[0]) =>
    Promise.resolve(this.kv.deleteRange(req));
  txn = async (req: Parameters<EtcdBackend['txn']>[0]) => Promise.resolve(this.kv.txn(req));
  compact = async (req: { revision: number }) => {
    this.kv.compact(req.revision);
    return Promise.resolve({ revision: this.kv.revision });
  };

  watch(req: BackendWatchRequest, sink: BackendWatchSink): BackendWatch {
    const entry: WatchEntry = { req, sink };
    const start = req.startRevision;
    if (start > 0 && start < this.kv.compactRevision) {
      sink.onCanceled({
        compactRevision: this.kv.compactRevision,
        message: 'mvcc: required revision has been compacted',
      });
      return { cancel: () => undefined };
    }
    if (start > 0) {
      for (const r of this.kv.history(start)) deliver(entry, r.events, r.revision);
    }
    this.#watches.add(entry);
    return { cancel: () => this.#watches.delete(entry) };
  }

  #revokeNow(id: number): number {
    const lease = this.#leases.get(id);
    if (lease === undefined) throw new MvccError({ code: 'LEASE_NOT_FOUND' });
    clearTimeout(lease.timer);
    this.#leases.delete(id);
    const keys = this.kv.keysOfLease(id);
    if (keys.length === 0) return this.kv.revision;
    const ops = keys.map((kv) => ({ requestDeleteRange: { key: kv.key } }));
    return this.kv.txn({ compare: [], success: ops, failure: [] }).revision;
  }

  #arm(lease: Lease): void {
    clearTimeout(lease.timer);
    lease.expiresAtMs = Date.now() + lease.ttlSeconds * 1000;
    lease.timer = setTimeout(() => this.#revokeNow(lease.id), lease.ttlSeconds * 1000);
    lease.timer.unref();
  }

  leaseGrant = async (req: LeaseGrantRequest): Promise<LeaseGrantResponse> => {
    const id = req.ID !== undefined && req.ID !== 0 ? req.ID : this.#nextLease++;
    if (this.#leases.has(id)) throw new MvccError({ code: 'LEASE_EXISTS' });
    const lease: Lease = {
      id,
      ttlSeconds: Math.max(req.TTL, 1),
      expiresAtMs: 0,
      timer: setTimeout(() => undefined, 0),
    };
    this.#arm(lease);
    this.#leases.set(id, lease);
    return Promise.resolve({ ID: id, TTL: lease.ttlSeconds, revision: this.kv.revision });
  };
  leaseRevoke = async (req: { ID: number }) =>
    Promise.resolve({ revision: this.#revokeNow(req.ID) });
  leaseKeepAlive = async (req: { ID: number }) => {
    const lease = this.#leases.get(req.ID);
    if (lease === undefined) throw new MvccError({ code: 'LEASE_NOT_FOUND' });
    this.#arm(lease);
    return Promise.resolve({ ID: req.ID, TTL: lease.ttlSeconds, revision: this.kv.revision });
  };
  leaseTimeToLive = async (req: LeaseTimeToLiveRequest): Promise<LeaseTimeToLiveResponse> => {
    const lease = this.#leases.get(req.ID);
    if (lease === undefined) throw new MvccError({ code: 'LEASE_NOT_FOUND' });
    const keys = req.keys ? this.kv.keysOfLease(req.ID).map((kv) => kv.key) : [];
    const TTL = Math.max(0, Math.ceil((lease.expiresAtMs - Date.now()) / 1000));
    return Promise.resolve({
      ID: req.ID,
      TTL,
      grantedTTL: lease.ttlSeconds,
      keys,
      revision: this.kv.revision,
    });
  };
  leaseLeases = async () =>
    Promise.resolve({
      leases: [...this.#leases.keys()].sort((a, b) => a - b).map((ID) => ({ ID })),
      revision: this.kv.revision,
    });

  memberList = async () => Promise.resolve(this.#members);
  memberAdd = async (req: { peerUrls: readonly string[]; isLearner: boolean }) => {
    if (this.#members.some((m) => m.peerUrls.some((u) => req.peerUrls.includes(u)))) {
      throw new EtcdGrpcError({ code: 'PEER_URL_EXISTS' });
    }
    const member: MemberInfo = {
      id: 0x5678 + this.#members.length,
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
  memberRemove = async (id: number) => {
    this.#find(id);
    this.#members = this.#members.filter((m) => m.id !== id);
    return Promise.resolve(this.#members);
  };
  memberUpdate = async (req: { id: number; peerUrls: readonly string[] }) => {
    const m = this.#find(req.id);
    this.#members = this.#members.map((x) => (x === m ? { ...m, peerUrls: req.peerUrls } : x));
    return Promise.resolve(this.#members);
  };
  memberPromote = async (id: number) => {
    const m = this.#find(id);
    if (!m.isLearner) throw new EtcdGrpcError({ code: 'MEMBER_NOT_LEARNER' });
    this.#members = this.#members.map((x) => (x === m ? { ...m, isLearner: false } : x));
    return Promise.resolve(this.#members);
  };

  status = async (): Promise<MemberStatus> =>
    Promise.resolve({
      version: '3.6.0',
      dbSizeBytes: 4096,
      dbSizeInUseBytes: 2048,
      dbSizeQuotaBytes: 2 * 1024 ** 3,
      leader: this.leader,
      raftIndex: this.kv.revision + 10,
      raftTerm: 2,
      raftAppliedIndex: this.kv.revision + 10,
      errors: this.#alarms.map((a) => `memberID:${a.memberID} alarm:${a.alarm} `),
      isLearner: false,
    });
  hashKv = async (req: { revision?: number | undefined }) => {
    const hashRevision = req.revision || this.kv.revision;
    return Promise.resolve({
      hash: this.kv.hash(hashRevision),
      compactRevision: this.kv.compactRevision,
      hashRevision,
      revision: this.kv.revision,
    });
  };
  hash = async () => Promise.resolve({ hash: this.kv.hash(this.kv.revision) });
  /** As etcd: GET lists every alarm; ACTIVATE and DEACTIVATE answer with the alarm changed. */
  alarm = async (req: AlarmRequest): Promise<AlarmResponse> => {
    const revision = this.kv.revision;
    if (req.action === 'GET' || req.alarm === 'NONE') {
      return Promise.resolve({ alarms: [...this.#alarms], revision });
    }
    const changed = { memberID: req.memberID, alarm: req.alarm };
    const i = this.#alarms.findIndex((a) => a.memberID === req.memberID && a.alarm === req.alarm);
    if (req.action === 'ACTIVATE' && i < 0) this.#alarms.push(changed);
    if (req.action === 'DEACTIVATE' && i >= 0) this.#alarms.splice(i, 1);
    return Promise.resolve({ alarms: [changed], revision });
  };
  defragment = async () => Promise.resolve();
  /**
   * The "database" is the JSON of the live keys, padded to whole 512-byte pages as a real store
   * file is (etcdctl 3.4 finds the sha256 trailer by that alignment).
   */
  snapshot = async (): Promise<BackendSnapshot> => {
    const all = this.kv.range({ key: new Uint8Array([0]), rangeEnd: new Uint8Array([0]) });
    const pairs = all.kvs.map((kv) => [
      Buffer.from(kv.key).toString(),
      Buffer.from(kv.value).toString(),
    ]);
    const json = Buffer.from(JSON.stringify(pairs));
    const bytes = Buffer.alloc(Math.ceil(json.length / 512) * 512, 0x20);
    json.copy(bytes);
    async function* chunks(): AsyncIterable<Uint8Array> {
      yield await Promise.resolve(bytes.subarray(0, 10));
      yield bytes.subarray(10);
    }
    return Promise.resolve({ sizeBytes: bytes.length, chunks: chunks() });
  };
  moveLeader = async (targetId: number) => {
    if (targetId !== this.memberId) throw new EtcdGrpcError({ code: 'BAD_LEADER_TRANSFEREE' });
    return Promise.resolve();
  };

  /** Stops every lease timer. */
  close(): void {
    for (const lease of this.#leases.values()) clearTimeout(lease.timer);
    this.#watches.clear();
  }
}

function deliver(w: WatchEntry, events: readonly Event[], revision: number): void {
  const mine = events
    .filter((e) => inRange(e.kv.key, w.req.key, w.req.rangeEnd))
    .map((e) => (w.req.prevKv ? e : { type: e.type, kv: e.kv }));
  if (mine.length > 0) w.sink.onEvents(mine, revision);
}
