// A candidate's and pre-candidate's message handling (Raft §5.2, thesis §9.6; etcd's
// stepCandidate): count votes, and yield to a leader of the current term.
import { RaftError } from './errors.js';
import { bcastAppend } from './replication.js';
import type { Raft } from './raft.js';
import { handleAppendEntries, handleHeartbeat, handleSnapshot } from './step-follower.js';
import type { Message } from './types.js';

/** Handles a message as a (pre-)candidate (term checks already done). */
export function stepCandidate(r: Raft, m: Message): void {
  const voteRespType = r.state === 'StatePreCandidate' ? 'MsgPreVoteResp' : 'MsgVoteResp';
  switch (m.type) {
    case 'MsgProp':
      throw new RaftError({ code: 'PROPOSAL_DROPPED', message: 'proposal dropped: no leader' });
    case 'MsgApp':
      r.becomeFollower(m.term, m.from);
      handleAppendEntries(r, m);
      return;
    case 'MsgHeartbeat':
      r.becomeFollower(m.term, m.from);
      handleHeartbeat(r, m);
      return;
    case 'MsgSnap':
      r.becomeFollower(m.term, m.from);
      handleSnapshot(r, m);
      return;
    case 'MsgPreVoteResp':
    case 'MsgVoteResp':
      if (m.type !== voteRespType) return;
      handleVoteResponse(r, m);
      return;
    // Everything else is not for a candidate (MsgTimeoutNow: not yet a follower).
    case 'MsgHup':
    case 'MsgBeat':
    case 'MsgAppResp':
    case 'MsgVote':
    case 'MsgHeartbeatResp':
    case 'MsgUnreachable':
    case 'MsgSnapStatus':
    case 'MsgCheckQuorum':
    case 'MsgTransferLeader':
    case 'MsgTimeoutNow':
    case 'MsgReadIndex':
    case 'MsgReadIndexResp':
    case 'MsgPreVote':
    case 'MsgForgetLeader':
      return;
  }
}

function handleVoteResponse(r: Raft, m: Message): void {
  const result = r.poll(m.from, !m.reject);
  if (result === 'VoteWon') {
    if (r.state === 'StatePreCandidate') {
      r.campaign('election');
    } else {
      r.becomeLeader();
      bcastAppend(r);
    }
  } else if (result === 'VoteLost') {
    // A rejection at a higher term already made us a follower of that term in step().
    r.becomeFollower(r.term, 0);
  }
}
