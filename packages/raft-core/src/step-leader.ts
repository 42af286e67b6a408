// A leader's message handling (Raft §5.3, thesis §3.10, §6.4; etcd's stepLeader): proposals,
// append responses and flow control, heartbeats and reads, check-quorum, transfers.
import { decodeConfChange } from './conf-change-codec.js';
import { ConfChangeRefused } from './confchange/changer.js';
import { RaftError } from './errors.js';
import type { Raft } from './raft.js';
import {
  bcastAppend,
  bcastHeartbeat,
  maybeSendAppend,
  sendAppend,
  sendTimeoutNow,
} from './replication.js';
import type { Progress } from './tracker/progress.js';
import { jointVoteResult } from './quorum/joint.js';
import type { Entry, Message } from './types.js';

function drop(why: string): never {
  throw new RaftError({ code: 'PROPOSAL_DROPPED', message: `proposal dropped: ${why}` });
}

/** Handles a message as the leader (term checks already done). */
export function stepLeader(r: Raft, m: Message): void {
  switch (m.type) {
    case 'MsgBeat':
      bcastHeartbeat(r);
      return;
    case 'MsgCheckQuorum':
      checkQuorum(r);
      return;
    case 'MsgProp':
      handlePropose(r, m);
      return;
    case 'MsgReadIndex':
      handleReadIndex(r, m);
      return;
    case 'MsgForgetLeader':
      return;
    // The rest need the sender's progress.
    case 'MsgHup':
    case 'MsgApp':
    case 'MsgAppResp':
    case 'MsgVote':
    case 'MsgVoteResp':
    case 'MsgSnap':
    case 'MsgHeartbeat':
    case 'MsgHeartbeatResp':
    case 'MsgUnreachable':
    case 'MsgSnapStatus':
    case 'MsgTransferLeader':
    case 'MsgTimeoutNow':
    case 'MsgReadIndexResp':
    case 'MsgPreVote':
    case 'MsgPreVoteResp':
      break;
  }
  stepLeaderFromMember(r, m);
}

/** Messages about a member: ignored unless it has a progress. */
function stepLeaderFromMember(r: Raft, m: Message): void {
  const pr = r.trk.progress.get(m.from);
  if (pr === undefined) return;
  switch (m.type) {
    case 'MsgAppResp':
      handleAppendResponse(r, m, pr);
      return;
    case 'MsgHeartbeatResp':
      handleHeartbeatResponse(r, m, pr);
      return;
    case 'MsgSnapStatus':
      if (pr.state !== 'StateSnapshot') return;
      if (m.reject) pr.pendingSnapshot = 0;
      pr.becomeProbe();
      // Wait for an append response or heartbeat before sending more (etcd does the same).
      pr.msgAppFlowPaused = true;
      return;
    case 'MsgUnreachable':
      // Pipelined appends may be lost: fall back to probing.
      if (pr.state === 'StateReplicate') pr.becomeProbe();
      return;
    case 'MsgTransferLeader':
      handleTransferLeader(r, m, pr);
      return;
    // Messages of other roles; a leader of this term never receives them legitimately.
    case 'MsgHup':
    case 'MsgBeat':
    case 'MsgProp':
    case 'MsgApp':
    case 'MsgVote':
    case 'MsgVoteResp':
    case 'MsgSnap':
    case 'MsgHeartbeat':
    case 'MsgCheckQuorum':
    case 'MsgTimeoutNow':
    case 'MsgReadIndex':
    case 'MsgReadIndexResp':
    case 'MsgPreVote':
    case 'MsgPreVoteResp':
    case 'MsgForgetLeader':
      return;
  }
}

function checkQuorum(r: Raft): void {
  if (!r.trk.quorumActive(r.id)) {
    r.logger.warn(`${String(r.id)} stepped down: no quorum active`);
    r.becomeFollower(r.term, 0);
  }
  // Everyone but us must prove to be active again before the next check.
  r.trk.visit((id, pr) => {
    if (id !== r.id) pr.recentActive = false;
  });
}

function checkConfChange(r: Raft, e: Entry): string | undefined {
  if (r.pendingConfIndex > r.raftLog.applied) return 'a conf change is not yet applied';
  let refusal: string | undefined;
  try {
    r.computeConfChange(decodeConfChange(e.data));
  } catch (err) {
    if (err instanceof ConfChangeRefused) refusal = err.message;
    else if (err instanceof RaftError && err.code === 'INVALID_MESSAGE') refusal = err.message;
    else throw err;
  }
  return refusal;
}

function handlePropose(r: Raft, m: Message): void {
  if (m.entries.length === 0) drop('no entries');
  if (!r.trk.progress.has(r.id)) drop('the leader was removed from the configuration');
  if (r.leadTransferee !== 0) drop('leadership transfer in progress');
  let confAt = -1;
  m.entries.forEach((e, i) => {
    if (e.type !== 'EntryConfChange') return;
    // Only one conf change may be pending, and it must be valid against the current
    // configuration, which is then the one it will be applied to.
    const refusal = confAt >= 0 ? 'two conf changes in one proposal' : checkConfChange(r, e);
    if (refusal !== undefined) drop(refusal);
    confAt = i;
  });
  const last = r.raftLog.lastIndex();
  if (!r.appendEntries(m.entries)) drop('too many uncommitted bytes');
  if (confAt >= 0) r.pendingConfIndex = last + confAt + 1;
  r.appendsPending = true;
}

function handleReadIndex(r: Raft, m: Message): void {
  // Only the single voter itself may answer at once. A leader removed (or demoted) without
  // stepDownOnRemoval still leads a one-voter config that is not its own; the voter may already
  // lead a newer term, so such a leader must confirm with that voter like any other.
  if (r.trk.isSingleton() && r.trk.isVoter(r.id)) {
    respondToReadIndex(r, m, r.raftLog.committed);
    return;
  }
  // Thesis §6.4: the commit index is only known to be the newest once this leader committed
  // an entry of its own term; until then the read waits.
  if (!r.committedEntryInCurrentTerm()) {
    r.pendingReadIndexMessages.push(m);
    return;
  }
  sendReadIndexResponse(r, m);
}

function sendReadIndexResponse(r: Raft, m: Message): void {
  // The lease holds only while no other node can be elected without this leader's consent: not
  // after it sent TimeoutNow (a forced campaign ignores leases) and not once it is no voter (the
  // remaining voters elect among themselves). Then the read is confirmed by a heartbeat quorum.
  const leaseHolds = r.leadTransferee === 0 && r.trk.isVoter(r.id);
  if (r.readOnly.option === 'leaseBased' && leaseHolds) {
    respondToReadIndex(r, m, r.raftLog.committed);
    return;
  }
  r.readOnly.addRequest(r.raftLog.committed, m);
  r.readOnly.recvAck(r.id, m.context);
  bcastHeartbeat(r, m.context);
}

function respondToReadIndex(r: Raft, req: Message, index: number): void {
  if (req.from === 0 || req.from === r.id) {
    r.readStates.push({ index, requestCtx: req.context });
    return;
  }
  r.send({ type: 'MsgReadIndexResp', to: req.from, index, context: req.context });
}

/** Answers the reads that waited for this leader's first commit. */
export function releasePendingReadIndexMessages(r: Raft): void {
  if (r.pendingReadIndexMessages.length === 0 || !r.committedEntryInCurrentTerm()) return;
  const msgs = r.pendingReadIndexMessages;
  r.pendingReadIndexMessages = [];
  for (const m of msgs) sendReadIndexResponse(r, m);
}

function handleAppendResponse(r: Raft, m: Message, pr: Progress): void {
  pr.recentActive = true;
  if (m.reject) {
    // The follower's hint names the largest index with term <= our prev term; move the probe
    // to the last index of ours at or below it whose term is <= the follower's term there.
    let hint = m.rejectHint;
    if (m.logTerm > 0) hint = r.raftLog.findConflictByTerm(m.rejectHint, m.logTerm).index;
    if (pr.maybeDecrTo({ rejected: m.index, matchHint: hint })) {
      if (pr.state === 'StateReplicate') pr.becomeProbe();
      sendAppend(r, m.from);
    }
    return;
  }
  if (!(pr.maybeUpdate(m.index) || (pr.match === m.index && pr.state === 'StateProbe'))) return;
  if (pr.state === 'StateProbe') pr.becomeReplicate();
  else if (pr.state === 'StateSnapshot' && pr.match + 1 >= r.raftLog.firstIndex()) {
    // The follower caught up past the snapshot (or got entries another way): replicate.
    pr.becomeProbe();
    pr.becomeReplicate();
  } else if (pr.state === 'StateReplicate') pr.inflights.freeLE(m.index);
  if (r.maybeCommit()) {
    releasePendingReadIndexMessages(r);
    bcastAppend(r);
  } else if (m.from !== r.id && pr.canBumpCommit(r.raftLog.committed)) {
    // This follower missed the commit broadcast (it was paused then): tell it now.
    sendAppend(r, m.from);
  }
  // The window may have room for several messages now; bounded by its size.
  for (let i = 0; i <= r.cfg.maxInflightMsgs; i++) {
    if (!maybeSendAppend(r, m.from, false)) break;
  }
  if (m.from === r.leadTransferee && pr.match === r.raftLog.lastIndex()) {
    sendTimeoutNow(r, m.from);
  }
}

function handleHeartbeatResponse(r: Raft, m: Message, pr: Progress): void {
  pr.recentActive = true;
  pr.msgAppFlowPaused = false;
  if (pr.match < r.raftLog.lastIndex() || pr.state === 'StateProbe') sendAppend(r, m.from);
  // Lease-based leaders confirm reads by heartbeat too while their lease does not hold.
  if (m.context.byteLength === 0) return;
  const acks = r.readOnly.recvAck(m.from, m.context);
  if (acks === undefined || jointVoteResult(r.trk.config.voters, acks) !== 'VoteWon') return;
  for (const rs of r.readOnly.advance(m.context)) respondToReadIndex(r, rs.req, rs.index);
}

function handleTransferLeader(r: Raft, m: Message, pr: Progress): void {
  if (pr.isLearner) return;
  const transferee = m.from;
  if (r.leadTransferee !== 0) {
    if (r.leadTransferee === transferee) return;
    r.leadTransferee = 0;
  }
  if (transferee === r.id) return;
  // The transfer must finish within an election timeout (tickHeartbeat aborts it).
  r.electionElapsed = 0;
  r.leadTransferee = transferee;
  if (pr.match === r.raftLog.lastIndex()) sendTimeoutNow(r, transferee);
  else sendAppend(r, transferee);
}
