// server.maintenance: etcd's Maintenance service in process (the Go client's AlarmList,
// AlarmDisarm, Defragment, Status, HashKV, Snapshot; MoveLeader is `server.cluster.moveLeader`).
// The gRPC backend (etcd-backend.ts) answers through these same functions.
import type { BackendSnapshot, MemberStatus } from '@keel/etcd-grpc';
import type { AlarmMember, AlarmRequest, AlarmResponse, HashKVResponse } from '@keel/kv-mvcc';
import { assert } from './assert.js';
import type { Logger } from './config.js';
import { proposeRequest, type KvHost, type WithHeader } from './kv-api.js';

/** The version Status reports: the etcd API version Keel serves. */
export const serverVersion = '3.6.0';

/** The in-process Maintenance API (etcd's Maintenance service). */
export interface MaintenanceApi {
  /** This member's status: version, database sizes, leader, Raft index and term, alarms. */
  status(): Promise<WithHeader<MemberStatus>>;
  /**
   * The hash of the keys' history up to `revision` (0 or absent: the current one), etcd's
   * HashKV; equal on every member that applied the same entries.
   * @throws MvccError COMPACTED, FUTURE_REV
   */
  hashKV(revision?: number): Promise<WithHeader<HashKVResponse>>;
  /**
   * etcd's Alarm RPC: GET lists the raised alarms as this member has applied them; ACTIVATE and
   * DEACTIVATE go through Raft and answer with the alarm they changed.
   * @throws EmbedError NOT_LEADER, TIMEOUT, STOPPED (ACTIVATE, DEACTIVATE)
   */
  alarm(req: AlarmRequest): Promise<WithHeader<AlarmResponse>>;
  /** The raised alarms (etcd's AlarmList), read on this member. */
  alarmList(): Promise<WithHeader<{ alarms: readonly AlarmMember[] }>>;
  /**
   * Clears `alarm` cluster-wide through Raft (etcd's AlarmDisarm); answers with the alarm it
   * cleared (none when it was not raised). @throws EmbedError NOT_LEADER, TIMEOUT, STOPPED
   */
  alarmDisarm(alarm: AlarmMember): Promise<WithHeader<AlarmResponse>>;
  /**
   * Rewrites this member's store file compactly (etcd's Defragment, member-local, crash-safe:
   * kv-mvcc's `defragment`). Writes on this member wait meanwhile, and so does its Raft loop:
   * no heartbeat or vote leaves it until the copy is done, so a long defragmentation of the
   * leader can cause an election. Defragment one member at a time, as etcd advises.
   */
  defragment(): Promise<WithHeader<object>>;
  /**
   * A consistent copy of the store for a backup (`etcdctl snapshot save`, restored by
   * `restoreMember`), padded with zero bytes to whole 512-byte pages.
   */
  snapshot(): Promise<BackendSnapshot>;
}

/** What the Maintenance API needs from the member, besides the KV host. */
export interface MaintenanceHost {
  readonly kv: KvHost;
  readonly logger: Logger;
  readonly quotaBackendBytes: number;
  /** Raft's view now: leader (0 when none), term, applied index; whether a learner. */
  raft(): { leader: number; term: number; applied: number; isLearner: boolean };
}

/** Runs `fn` now; its result resolves, what it throws rejects (as from an async call). */
const settle = <T>(fn: () => T): Promise<T> =>
  new Promise((resolve) => {
    resolve(fn());
  });

/** Builds `server.maintenance`. */
export function createMaintenanceApi(h: MaintenanceHost): MaintenanceApi {
  const { kv } = h;
  const withHeader = <T extends object>(r: T): WithHeader<T> => ({ ...r, header: kv.header() });
  const api: MaintenanceApi = {
    status: () =>
      settle(() => {
        kv.checkOpen();
        return withHeader(memberStatus(h));
      }),
    hashKV: (revision = 0) =>
      settle(() => {
        kv.checkOpen();
        return withHeader(kv.store.hashKV({ revision }));
      }),
    async alarm(req) {
      kv.checkOpen();
      if (req.action === 'GET') {
        return withHeader({ alarms: kv.store.alarms(), revision: kv.store.revision });
      }
      const res = await proposeRequest(kv, { alarm: req });
      assert('alarm' in res, 'an alarm request is answered with alarm');
      return withHeader(res.alarm);
    },
    alarmList: () => api.alarm({ action: 'GET', memberID: 0, alarm: 'NONE' }),
    alarmDisarm: (alarm) => api.alarm({ action: 'DEACTIVATE', ...alarm }),
    async defragment() {
      kv.checkOpen();
      const t0 = performance.now();
      const before = kv.store.dbSizeBytes();
      h.logger.info({ dbSizeBytes: before }, 'defragmenting');
      await kv.store.defragment();
      const took = Math.round(performance.now() - t0);
      h.logger.info({ before, after: kv.store.dbSizeBytes(), tookMs: took }, 'defragmented');
      return withHeader({});
    },
    snapshot: () =>
      settle(() => {
        kv.checkOpen();
        return storeSnapshot(kv);
      }),
  };
  return api;
}

function memberStatus(h: MaintenanceHost): MemberStatus {
  const store = h.kv.store;
  const raft = h.raft();
  return {
    version: serverVersion,
    dbSizeBytes: store.dbSizeBytes(),
    dbSizeInUseBytes: store.dbSizeInUseBytes(),
    dbSizeQuotaBytes: h.quotaBackendBytes,
    leader: raft.leader,
    raftIndex: raft.applied,
    raftTerm: raft.term,
    raftAppliedIndex: raft.applied,
    errors: store.alarms().map((a) => `memberID:${String(a.memberID)} alarm:${a.alarm} `),
    isLearner: raft.isLearner,
  };
}

/** The store's snapshot stream, padded to whole 512-byte pages (etcdctl 3.4 needs that). */
function storeSnapshot(kv: KvHost): BackendSnapshot {
  const parts: Buffer[] = [];
  for (const chunk of kv.store.snapshot()) parts.push(Buffer.from(chunk));
  const data = Buffer.concat(parts);
  const bytes = Buffer.alloc(Math.ceil(data.length / 512) * 512);
  data.copy(bytes);
  async function* chunks(): AsyncIterable<Uint8Array> {
    yield await Promise.resolve(bytes);
  }
  return { sizeBytes: bytes.length, chunks: chunks() };
}
