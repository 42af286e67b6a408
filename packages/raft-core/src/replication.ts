// What a leader sends: appends (or a snapshot when the follower's next entry is compacted),
// heartbeats and TimeoutNow, as etcd's maybeSendAppend / bcastAppend / bcastHeartbeat.
import { assert } from './assert.js';
import { entriesSizeBytes } from './entries.js';
import { isStorageError } from './errors.js';
import type { Raft } from './raft.js';
import type { Entry } from './types.js';

/**
 * Sends an append to `to` if its progress allows: entries from `next` up to maxSizePerMsg,
 * or an empty one when `sendIfEmpty` (to carry the commit index or probe). Falls back to a
 * snapshot when the needed entries are compacted. Returns whether a message was sent.
 */
export function maybeSendAppend(r: Raft, to: number, sendIfEmpty: boolean): boolean {
  const pr = r.trk.progress.get(to);
  if (pr === undefined || pr.isPaused()) return false;
  const prevIndex = pr.next - 1;
  let prevTerm: number;
  let entries: readonly Entry[] = [];
  try {
    prevTerm = r.raftLog.term(prevIndex);
    if (pr.state !== 'StateReplicate' || !pr.inflights.full()) {
      entries = r.raftLog.entriesFrom(pr.next, r.cfg.maxSizePerMsg);
    }
  } catch (e) {
    if (!isStorageError(e, 'COMPACTED')) throw e;
    return sendSnapshot(r, to);
  }
  if (entries.length === 0 && !sendIfEmpty) return false;
  r.send({
    type: 'MsgApp',
    to,
    index: prevIndex,
    logTerm: prevTerm,
    entries,
    commit: r.raftLog.committed,
  });
  pr.updateOnEntriesSend({ count: entries.length, sizeBytes: entriesSizeBytes(entries) });
  pr.updateSentCommit(r.raftLog.committed);
  return true;
}

function sendSnapshot(r: Raft, to: number): boolean {
  const pr = r.trk.progress.get(to);
  assert(pr !== undefined, 'sendSnapshot to unknown member');
  if (!pr.recentActive) {
    // Do not ship a snapshot to a member that may be down; wait until it is heard from.
    r.logger.debug(`${String(r.id)} skips snapshot to inactive ${String(to)}`);
    return false;
  }
  let snapshot;
  try {
    snapshot = r.raftLog.snapshot();
  } catch (e) {
    if (isStorageError(e, 'SNAPSHOT_TEMPORARILY_UNAVAILABLE')) return false;
    throw e;
  }
  assert(snapshot.metadata.index > 0, 'need a non-empty snapshot');
  pr.becomeSnapshot(snapshot.metadata.index);
  r.send({ type: 'MsgSnap', to, snapshot });
  r.logger.info(
    `${String(r.id)} sends snapshot at ${String(snapshot.metadata.index)} to ${String(to)}`,
  );
  return true;
}

/** Sends an append (possibly empty) to `to`. */
export function sendAppend(r: Raft, to: number): void {
  maybeSendAppend(r, to, true);
}

/** Sends appends to every other member, in id order. */
export function bcastAppend(r: Raft): void {
  r.trk.visit((id) => {
    if (id !== r.id) sendAppend(r, id);
  });
}

/** Sends a heartbeat to `to`; the commit is capped by its match so it never passes its log. */
export function sendHeartbeat(r: Raft, to: number, context: Uint8Array): void {
  const pr = r.trk.progress.get(to);
  assert(pr !== undefined, 'heartbeat to unknown member');
  const commit = Math.min(pr.match, r.raftLog.committed);
  r.send({ type: 'MsgHeartbeat', to, commit, context });
  pr.updateSentCommit(commit);
}

/** Heartbeats every other member, carrying the newest pending ReadIndex context. */
export function bcastHeartbeat(r: Raft, context?: Uint8Array): void {
  const ctx = context ?? r.readOnly.lastPendingRequestCtx() ?? new Uint8Array(0);
  r.trk.visit((id) => {
    if (id !== r.id) sendHeartbeat(r, id, ctx);
  });
}

/** Tells `to` to campaign at once (the last step of a leadership transfer). */
export function sendTimeoutNow(r: Raft, to: number): void {
  r.send({ type: 'MsgTimeoutNow', to });
}
