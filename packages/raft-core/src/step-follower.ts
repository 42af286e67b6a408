// A follower's message handling (Raft §5.3 for appends; etcd's stepFollower), including the
// handlers of the leader's payloads: appends, heartbeats and snapshots.
import { assert } from './assert.js';
import { RaftError } from './errors.js';
import type { Raft } from './raft.js';
import type { Message } from './types.js';

function drop(why: string): never {
  throw new RaftError({ code: 'PROPOSAL_DROPPED', message: `proposal dropped: ${why}` });
}

/** Handles a message as a follower (term checks already done). */
export function stepFollower(r: Raft, m: Message): void {
  switch (m.type) {
    case 'MsgProp':
      if (r.lead === 0) drop('no leader');
      if (r.cfg.disableProposalForwarding) drop('proposal forwarding is disabled');
      r.send({ ...m, to: r.lead, term: 0 });
      return;
    case 'MsgApp':
      r.electionElapsed = 0;
      r.lead = m.from;
      handleAppendEntries(r, m);
      return;
    case 'MsgHeartbeat':
      r.electionElapsed = 0;
      r.lead = m.from;
      handleHeartbeat(r, m);
      return;
    case 'MsgSnap':
      r.electionElapsed = 0;
      r.lead = m.from;
      handleSnapshot(r, m);
      return;
    case 'MsgTransferLeader':
      if (r.lead === 0) return;
      // Forwarded as is: `from` names the transferee, not the forwarder.
      r.msgs.push({ ...m, to: r.lead, term: r.term });
      return;
    case 'MsgForgetLeader':
      // A lease-based read relies on the leader's lease, which forgetting it would break.
      if (r.readOnly.option === 'leaseBased') return;
      r.lead = 0;
      return;
    case 'MsgTimeoutNow':
      // The leader asks us to campaign now, bypassing pre-vote and leases (thesis §3.10).
      r.hup('transfer');
      return;
    case 'MsgReadIndex':
      if (r.lead === 0) return;
      r.send({ ...m, to: r.lead, term: 0 });
      return;
    case 'MsgReadIndexResp':
      r.readStates.push({ index: m.index, requestCtx: m.context });
      return;
    // Responses and local messages are not for a follower.
    case 'MsgHup':
    case 'MsgBeat':
    case 'MsgAppResp':
    case 'MsgVote':
    case 'MsgVoteResp':
    case 'MsgHeartbeatResp':
    case 'MsgUnreachable':
    case 'MsgSnapStatus':
    case 'MsgCheckQuorum':
    case 'MsgPreVote':
    case 'MsgPreVoteResp':
      return;
  }
}

/** Raft §5.3: accept the append when the previous entry matches, else reject with a hint. */
export function handleAppendEntries(r: Raft, m: Message): void {
  const log = r.raftLog;
  if (m.index < log.committed) {
    // Everything up to our commit matches the leader's log: say where we are.
    r.send({ type: 'MsgAppResp', to: m.from, index: log.committed });
    return;
  }
  const lastNew = log.maybeAppend({ index: m.index, term: m.logTerm }, m.commit, m.entries);
  if (lastNew !== undefined) {
    r.send({ type: 'MsgAppResp', to: m.from, index: lastNew });
    return;
  }
  // Fast back-off (thesis §5.4.1 optimisation, as etcd): hint the largest index whose term is
  // <= the leader's prev term, so the leader skips whole terms that cannot match.
  const hint = log.findConflictByTerm(Math.min(m.index, log.lastIndex()), m.logTerm);
  r.send({
    type: 'MsgAppResp',
    to: m.from,
    index: m.index,
    reject: true,
    rejectHint: hint.index,
    logTerm: hint.term,
  });
}

/** A heartbeat carries a commit index no greater than our match. */
export function handleHeartbeat(r: Raft, m: Message): void {
  r.raftLog.commitTo(Math.min(m.commit, r.raftLog.lastIndex()));
  r.send({ type: 'MsgHeartbeatResp', to: m.from, context: m.context });
}

/** Installs the leader's snapshot if it is newer than our commit, and reports where we are. */
export function handleSnapshot(r: Raft, m: Message): void {
  const snap = m.snapshot;
  assert(snap !== undefined, 'MsgSnap without a snapshot');
  if (r.restore(snap)) {
    r.logger.info(`${String(r.id)} restored snapshot at ${String(snap.metadata.index)}`);
    r.send({ type: 'MsgAppResp', to: m.from, index: r.raftLog.lastIndex() });
  } else {
    r.send({ type: 'MsgAppResp', to: m.from, index: r.raftLog.committed });
  }
}
