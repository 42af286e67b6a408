// etcd's Maintenance service. Snapshot streams the backend's copy in chunks of at most
// snapshotChunkBytes and ends with the sha256 of everything sent, as etcd does, so that
// `etcdctl snapshot restore` can check the file.
import { createHash } from 'node:crypto';
import type { BackendSnapshot } from '../backend.js';
import { headerOf } from '../codec-kv.js';
import { EtcdGrpcError } from '../errors.js';
import type { ServiceMethods } from '../grpc-method.js';
import { serverStream, type WritableCall } from '../stream-method.js';
import { learnerServes, unary } from '../unary-method.js';
import { int64ToNumber, type Int64Field } from '../int64.js';
import { snapshotChunkBytes, snapshotHashBytes } from '../limits.js';
import type { ServiceContext } from './context.js';

const alarmActions = ['GET', 'ACTIVATE', 'DEACTIVATE'] as const;
const alarmTypes = ['NONE', 'NOSPACE', 'CORRUPT'] as const;

function pick<T>(names: readonly T[], n: number, field: string): T {
  const name = names[n];
  if (name === undefined) {
    throw new EtcdGrpcError({
      code: 'INVALID_ARGUMENT',
      message: `etcdserver: unknown ${field} ${n}`,
    });
  }
  return name;
}

/** Writes `msg`, waiting for the stream to drain when grpc-js pushes back. */
async function writeDrained(call: WritableCall, msg: object): Promise<void> {
  if (call.write(msg)) return;
  await new Promise<void>((resolve, reject) => {
    const onDrain = (): void => {
      call.off('close', onClose);
      resolve();
    };
    const onClose = (): void => {
      call.off('drain', onDrain);
      reject(new Error('the client closed the snapshot stream'));
    };
    call.once('drain', onDrain);
    call.once('close', onClose);
  });
}

/** Streams `snap` in chunks, then its sha256 trailer. */
async function sendSnapshot(
  call: WritableCall,
  snap: BackendSnapshot,
  header: object,
): Promise<void> {
  const hash = createHash('sha256');
  let remaining = snap.sizeBytes + snapshotHashBytes;
  for await (const chunk of snap.chunks) {
    hash.update(chunk);
    for (let lo = 0; lo < chunk.length; lo += snapshotChunkBytes) {
      if (call.cancelled || call.writableEnded) return; // the client left, or the server ended it
      const blob = chunk.subarray(lo, Math.min(lo + snapshotChunkBytes, chunk.length));
      remaining -= blob.length;
      // Every message repeats the header of the snapshot's point in time.
      await writeDrained(call, { header, remainingBytes: remaining, blob });
    }
  }
  if (remaining !== snapshotHashBytes) {
    throw new EtcdGrpcError({
      code: 'CORRUPT',
      message: 'snapshot size does not match its chunks',
    });
  }
  await writeDrained(call, { header, remainingBytes: 0, blob: hash.digest() });
}

/** The Maintenance service's handlers over `ctx.backend`. */
/** A learner serves Status and Snapshot whatever the request (as etcd's do). */
const always = (): boolean => true;

export function maintenanceService(ctx: ServiceContext): ServiceMethods {
  const { backend, gate } = ctx;
  return {
    Alarm: unary<{ action: number; memberID: Int64Field; alarm: number }>(gate, async (pb) => {
      const res = await backend.alarm({
        action: pick(alarmActions, pb.action, 'alarm action'),
        memberID: int64ToNumber(pb.memberID, 'memberID'),
        alarm: pick(alarmTypes, pb.alarm, 'alarm type'),
      });
      const alarms = res.alarms.map((a) => ({
        memberID: a.memberID,
        alarm: alarmTypes.indexOf(a.alarm),
      }));
      return { header: headerOf(backend, res.revision), alarms };
    }),
    Status: unary<object>(learnerServes(gate, always), async () => {
      const st = await backend.status();
      return {
        header: headerOf(backend),
        version: st.version,
        dbSize: st.dbSizeBytes,
        leader: st.leader,
        raftIndex: st.raftIndex,
        raftTerm: st.raftTerm,
        raftAppliedIndex: st.raftAppliedIndex,
        errors: st.errors,
        dbSizeInUse: st.dbSizeInUseBytes,
        isLearner: st.isLearner,
        dbSizeQuota: st.dbSizeQuotaBytes,
      };
    }),
    Defragment: unary<object>(gate, async () => {
      await backend.defragment();
      return { header: headerOf(backend) };
    }),
    Hash: unary<object>(gate, async () => {
      const res = await backend.hash();
      return { header: headerOf(backend), hash: res.hash };
    }),
    HashKV: unary<{ revision: Int64Field }>(gate, async (pb) => {
      const res = await backend.hashKv({ revision: int64ToNumber(pb.revision, 'revision') });
      return {
        header: headerOf(backend, res.revision),
        hash: res.hash,
        compactRevision: res.compactRevision,
        hashRevision: res.hashRevision,
      };
    }),
    Snapshot: serverStream<object>(learnerServes(gate, always), async (_pb, call) => {
      // The header is taken before the copy, so its revision is a lower bound of the copy's.
      const header = headerOf(backend);
      await sendSnapshot(call, await backend.snapshot(), header);
    }),
    MoveLeader: unary<{ targetID: Int64Field }>(gate, async (pb) => {
      const targetId = int64ToNumber(pb.targetID, 'targetID');
      try {
        await backend.moveLeader(targetId);
        return { header: headerOf(backend) };
      } catch (e) {
        // Only a leader can hand leadership on: etcd answers "not leader" here, where embed's
        // NOT_LEADER would otherwise read as "no leader".
        if (isEmbedNotLeader(e)) throw new EtcdGrpcError({ code: 'LEADER_REQUIRED', cause: e });
        throw e;
      }
    }),
  };
}

function isEmbedNotLeader(e: unknown): boolean {
  return (
    e instanceof Error && e.name === 'EmbedError' && (e as { code?: unknown }).code === 'NOT_LEADER'
  );
}
