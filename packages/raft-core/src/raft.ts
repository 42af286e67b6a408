// The Raft state machine shared by every role (etcd's raft struct): terms and votes, role
// changes, ticks, the term checks every message passes, elections and conf changes. The
// per-role message handling lives in step-leader.ts, step-follower.ts and step-candidate.ts;
// sending appends and heartbeats in replication.ts.
import { assert } from './assert.js';
import { encodeConfChange } from './conf-change-codec.js';
import {
  ConfChangeRefused,
  enterJoint,
  leaveJoint,
  simpleChange,
  type ConfigAndProgress,
} from './confchange/changer.js';
import { restoreConfState } from './confchange/restore.js';
import type { ResolvedConfig } from './config.js';
import { payloadsSizeBytes } from './entries.js';
import { RaftError } from './errors.js';
import type { RaftLogger } from './logger.js';
import {
  bytesEqual,
  campaignTransferContext,
  isVoteType,
  makeMessage,
  type MessageFields,
} from './message.js';
import { RaftLog } from './raft-log.js';
import { ReadOnly } from './read-only.js';
import { bcastAppend, maybeSendAppend, sendTimeoutNow } from './replication.js';
import { stepCandidate } from './step-candidate.js';
import { stepFollower } from './step-follower.js';
import { stepLeader } from './step-leader.js';
import { Inflights } from './tracker/inflights.js';
import { Progress } from './tracker/progress.js';
import { ProgressTracker, toConfState } from './tracker/tracker.js';
import type { VoteResult } from './quorum/majority.js';
import type {
  ConfChange,
  ConfState,
  Entry,
  HardState,
  Message,
  ReadState,
  Snapshot,
  SoftState,
  StateType,
} from './types.js';

/** What a campaign is: a pre-vote round, a real election, or one forced by a transfer. */
export type CampaignType = 'preElection' | 'election' | 'transfer';

const emptyBytes = new Uint8Array(0);

/** One Raft member's state. Internal: the public face is RawNode. */
export class Raft {
  readonly id: number;
  term = 0;
  vote = 0;
  lead = 0;
  state: StateType = 'StateFollower';
  isLearner = false;
  readonly raftLog: RaftLog;
  readonly trk: ProgressTracker;
  readStates: ReadState[] = [];
  msgs: Message[] = [];
  /** The member a leadership transfer goes to, 0 when none. */
  leadTransferee = 0;
  /** The index of the latest conf change proposed by this leader; one is pending until applied. */
  pendingConfIndex = 0;
  /** Payload bytes appended by this leader and not yet applied. */
  uncommittedSizeBytes = 0;
  readOnly: ReadOnly;
  /**
   * Proposals accepted since the last flush: appends go out once per Ready rather than once
   * per proposal (messages only leave through ready(), so this changes no observable order
   * of events, only how entries are batched into messages).
   */
  appendsPending = false;
  /** ReadIndex requests that arrived before this leader committed an entry of its term. */
  pendingReadIndexMessages: Message[] = [];
  electionElapsed = 0;
  heartbeatElapsed = 0;
  randomizedElectionTimeout = 0;
  readonly cfg: ResolvedConfig;
  readonly logger: RaftLogger;

  constructor(cfg: ResolvedConfig) {
    this.cfg = cfg;
    this.id = cfg.id;
    this.logger = cfg.logger;
    this.raftLog = new RaftLog(cfg.storage, cfg.maxCommittedSizePerReady);
    this.trk = new ProgressTracker(cfg.maxInflightMsgs, cfg.maxInflightBytes);
    this.readOnly = new ReadOnly(cfg.readOnlyOption);
    const { hardState, confState } = cfg.storage.initialState();
    this.switchToConfig(this.restoreTracker(confState));
    this.loadState(hardState);
    if (cfg.applied > 0) {
      if (cfg.applied > this.raftLog.committed) {
        throw new RaftError({
          code: 'INVALID_CONFIG',
          message: 'invalid config: applied is past the commit index',
        });
      }
      this.raftLog.appliedTo(cfg.applied, 0);
    }
    this.becomeFollower(this.term, 0);
  }

  private restoreTracker(cs: ConfState): ConfigAndProgress {
    return restoreConfState(cs, {
      lastIndex: this.raftLog.lastIndex(),
      inflightMsgsMax: this.cfg.maxInflightMsgs,
      inflightBytesMax: this.cfg.maxInflightBytes,
    });
  }

  private loadState(hs: HardState): void {
    // Gateway check of what storage returned (STYLE.md §8).
    for (const v of [hs.term, hs.vote, hs.commit]) {
      assert(Number.isSafeInteger(v) && v >= 0, 'stored HardState holds a non-integer');
    }
    if (hs.term === 0 && hs.vote === 0 && hs.commit === 0) return;
    const last = this.raftLog.lastIndex();
    if (!(hs.commit >= this.raftLog.committed && hs.commit <= last))
      assert(
        false,
        `stored commit ${String(hs.commit)} outside [${String(this.raftLog.committed)}, ${String(last)}]`,
      );
    this.raftLog.committed = hs.commit;
    this.term = hs.term;
    this.vote = hs.vote;
  }

  softState(): SoftState {
    return { lead: this.lead, raftState: this.state };
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.raftLog.committed };
  }

  /** Queues a message; sets `from` and the term as etcd's send does. */
  send(fields: MessageFields): void {
    let term = fields.term ?? 0;
    if (isVoteType(fields.type)) {
      assert(term !== 0, 'vote messages must carry a term');
    } else {
      assert(term === 0, 'the term of non-vote messages is set by send');
      // Proposals and read requests are forwarded as local messages: they carry no term.
      if (fields.type !== 'MsgProp' && fields.type !== 'MsgReadIndex') term = this.term;
    }
    this.msgs.push(makeMessage(fields, { from: this.id, term }));
  }

  /** Sends the appends that accepted proposals deferred; called before a Ready is built. */
  flushAppends(): void {
    if (!this.appendsPending) return;
    this.appendsPending = false;
    if (this.state === 'StateLeader') bcastAppend(this);
  }

  // ---- role changes ----

  private reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = 0;
    }
    this.lead = 0;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedElectionTimeout();
    this.leadTransferee = 0;
    this.trk.resetVotes();
    const last = this.raftLog.lastIndex();
    for (const [id, pr] of this.trk.progress) {
      const fresh = new Progress({
        next: last + 1,
        inflights: new Inflights(this.cfg.maxInflightMsgs, this.cfg.maxInflightBytes),
        isLearner: pr.isLearner,
      });
      if (id === this.id) fresh.match = last;
      this.trk.progress.set(id, fresh);
    }
    this.pendingConfIndex = 0;
    this.appendsPending = false;
    this.uncommittedSizeBytes = 0;
    this.readOnly = new ReadOnly(this.cfg.readOnlyOption);
    this.pendingReadIndexMessages = [];
  }

  private resetRandomizedElectionTimeout(): void {
    const t = this.cfg.electionTick;
    const jitter = this.cfg.random.nextInt(t);
    assert(
      Number.isSafeInteger(jitter) && jitter >= 0 && jitter < t,
      'random.nextInt out of range',
    );
    this.randomizedElectionTimeout = t + jitter;
  }

  becomeFollower(term: number, lead: number): void {
    this.reset(term);
    this.lead = lead;
    this.state = 'StateFollower';
    this.logger.info(`${String(this.id)} became follower at term ${String(this.term)}`);
  }

  becomeCandidate(): void {
    assert(this.state !== 'StateLeader', 'invalid transition [leader -> candidate]');
    this.reset(this.term + 1);
    this.vote = this.id;
    this.state = 'StateCandidate';
    this.logger.info(`${String(this.id)} became candidate at term ${String(this.term)}`);
  }

  becomePreCandidate(): void {
    assert(this.state !== 'StateLeader', 'invalid transition [leader -> pre-candidate]');
    // A pre-candidate changes neither term nor vote (Raft thesis §9.6).
    this.trk.resetVotes();
    this.lead = 0;
    this.state = 'StatePreCandidate';
    this.logger.info(`${String(this.id)} became pre-candidate at term ${String(this.term)}`);
  }

  becomeLeader(): void {
    assert(this.state !== 'StateFollower', 'invalid transition [follower -> leader]');
    this.reset(this.term);
    this.lead = this.id;
    this.state = 'StateLeader';
    const self = this.trk.progress.get(this.id);
    if (self !== undefined) {
      self.becomeReplicate();
      self.recentActive = true;
    }
    // Conf changes in the uncommitted tail may be pending: refuse new ones until they apply.
    this.pendingConfIndex = this.raftLog.lastIndex();
    // An empty entry of the new term lets the leader commit the entries of earlier terms (§5.4.2).
    const ok = this.appendEntries([{ term: 0, index: 0, type: 'EntryNormal', data: emptyBytes }]);
    assert(ok, 'empty entry dropped on becoming leader');
    this.logger.info(`${String(this.id)} became leader at term ${String(this.term)}`);
  }

  // ---- ticks ----

  tick(): void {
    if (this.state === 'StateLeader') this.tickHeartbeat();
    else this.tickElection();
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.step(makeMessage({ type: 'MsgHup', to: this.id, from: this.id }));
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.cfg.electionTick) {
      this.electionElapsed = 0;
      if (this.cfg.checkQuorum) {
        this.step(makeMessage({ type: 'MsgCheckQuorum', to: this.id, from: this.id }));
      }
      // A transfer that did not finish within an election timeout is aborted.
      if (this.state === 'StateLeader' && this.leadTransferee !== 0) this.leadTransferee = 0;
    }
    if (this.state !== 'StateLeader') return;
    if (this.heartbeatElapsed >= this.cfg.heartbeatTick) {
      this.heartbeatElapsed = 0;
      this.step(makeMessage({ type: 'MsgBeat', to: this.id, from: this.id }));
    }
  }

  /** Whether this member may campaign: a voter not waiting for a snapshot. */
  promotable(): boolean {
    const pr = this.trk.progress.get(this.id);
    return pr !== undefined && !pr.isLearner && this.raftLog.unstable.snapshot === undefined;
  }

  // ---- log ----

  /**
   * Appends entries of the current term on the leader and updates its own progress.
   * Returns false when the uncommitted size limit refuses them.
   */
  appendEntries(entries: readonly Entry[]): boolean {
    const li = this.raftLog.lastIndex();
    const size = payloadsSizeBytes(entries);
    // As etcd: one proposal is always let through when nothing is uncommitted.
    if (
      this.uncommittedSizeBytes > 0 &&
      size > 0 &&
      this.uncommittedSizeBytes + size > this.cfg.maxUncommittedEntriesSize
    ) {
      return false;
    }
    this.uncommittedSizeBytes += size;
    const stamped: Entry[] = [];
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i] as Entry;
      stamped.push({ term: this.term, index: li + 1 + i, type: e.type, data: e.data });
    }
    const last = this.raftLog.append(stamped);
    // The leader's own entries count towards the quorum; the Ready contract makes them durable
    // before any message that reports the commit leaves this node.
    this.trk.progress.get(this.id)?.maybeUpdate(last);
    this.maybeCommit();
    return true;
  }

  /** Commits what a quorum matched, if it is an entry of the current term (§5.4.2). */
  maybeCommit(): boolean {
    const index = this.trk.committed();
    if (!Number.isFinite(index)) return false;
    return this.raftLog.maybeCommit({ index, term: this.term });
  }

  /** Releases applied bytes from the uncommitted budget. */
  reduceUncommittedSize(sizeBytes: number): void {
    this.uncommittedSizeBytes = Math.max(0, this.uncommittedSizeBytes - sizeBytes);
  }

  /** Whether the commit index is an entry of this term (a leader may then serve reads). */
  committedEntryInCurrentTerm(): boolean {
    return this.raftLog.termOr0(this.raftLog.committed) === this.term;
  }

  /** Records the application's progress; a leader then auto-leaves a joint config. */
  appliedTo(index: number, sizeBytes: number): void {
    const applied = Math.max(index, this.raftLog.applied);
    this.raftLog.appliedTo(applied, sizeBytes);
    if (
      this.trk.config.autoLeave &&
      applied >= this.pendingConfIndex &&
      this.state === 'StateLeader'
    ) {
      this.proposeLeaveJoint();
    }
  }

  private proposeLeaveJoint(): void {
    const data = encodeConfChange({ transition: 'auto', changes: [], context: emptyBytes });
    try {
      this.step(
        makeMessage({
          type: 'MsgProp',
          to: this.id,
          from: this.id,
          entries: [{ term: 0, index: 0, type: 'EntryConfChange', data }],
        }),
      );
      this.logger.info(`${String(this.id)} proposed leaving the joint config`);
    } catch (e) {
      if (!(e instanceof RaftError && e.code === 'PROPOSAL_DROPPED')) throw e;
      this.logger.info(`${String(this.id)} could not propose leaving the joint config yet`);
    }
  }

  /** Whether committed but unapplied entries hold a conf change. */
  hasUnappliedConfChanges(): boolean {
    const log = this.raftLog;
    if (log.applied >= log.committed) return false;
    let lo = log.applied + 1;
    const hi = log.committed + 1;
    // Paged by the apply budget so a long committed tail is not loaded at once.
    while (lo < hi) {
      const page = log.slice(lo, hi, this.cfg.maxCommittedSizePerReady);
      for (const e of page) if (e.type === 'EntryConfChange') return true;
      lo += page.length;
    }
    return false;
  }

  // ---- elections ----

  /** Starts a campaign if this member may; a leader ignores it. */
  hup(t: CampaignType): void {
    if (this.state === 'StateLeader') return;
    if (!this.promotable()) {
      this.logger.warn(`${String(this.id)} is not promotable; cannot campaign`);
      return;
    }
    if (this.hasUnappliedConfChanges()) {
      this.logger.warn(`${String(this.id)} cannot campaign with unapplied conf changes`);
      return;
    }
    this.campaign(t);
  }

  campaign(t: CampaignType): void {
    let term: number;
    let type: 'MsgPreVote' | 'MsgVote';
    if (t === 'preElection') {
      this.becomePreCandidate();
      type = 'MsgPreVote';
      term = this.term + 1; // The term a real election would use.
    } else {
      this.becomeCandidate();
      type = 'MsgVote';
      term = this.term;
    }
    if (this.poll(this.id, true) === 'VoteWon') {
      // A single voter wins at once.
      if (t === 'preElection') this.campaign('election');
      else this.becomeLeader();
      return;
    }
    const last = this.raftLog.lastEntryId();
    const voters = [
      ...new Set([...this.trk.config.voters.incoming, ...this.trk.config.voters.outgoing]),
    ];
    voters.sort((a, b) => a - b);
    for (const id of voters) {
      if (id === this.id) continue;
      this.send({
        type,
        to: id,
        term,
        index: last.index,
        logTerm: last.term,
        context: t === 'transfer' ? campaignTransferContext : emptyBytes,
      });
    }
  }

  poll(id: number, granted: boolean): VoteResult {
    this.trk.recordVote(id, granted);
    return this.trk.tallyVotes().result;
  }

  // ---- the step entry point ----

  /**
   * Handles any message: term checks first (Raft §5.1), votes, then the role's handler.
   * @throws RaftError PROPOSAL_DROPPED for a proposal that cannot be accepted.
   */
  step(m: Message): void {
    if (m.term > this.term) {
      if (!this.stepHigherTerm(m)) return;
    } else if (m.term !== 0 && m.term < this.term) {
      this.stepLowerTerm(m);
      return;
    }
    if (m.type === 'MsgHup') {
      this.hup(this.cfg.preVote ? 'preElection' : 'election');
      return;
    }
    if (m.type === 'MsgVote' || m.type === 'MsgPreVote') {
      this.handleVote(m);
      return;
    }
    if (this.state === 'StateLeader') stepLeader(this, m);
    else if (this.state === 'StateFollower') stepFollower(this, m);
    else stepCandidate(this, m);
  }

  /** Returns false when the message is to be ignored. */
  private stepHigherTerm(m: Message): boolean {
    if (m.type === 'MsgVote' || m.type === 'MsgPreVote') {
      const force = bytesEqual(m.context, campaignTransferContext);
      const inLease =
        this.cfg.checkQuorum && this.lead !== 0 && this.electionElapsed < this.cfg.electionTick;
      // Raft thesis §4.2.3: while a leader is known, disruptive votes are ignored.
      if (!force && inLease) return false;
    }
    if (m.type === 'MsgPreVote') return true; // Never change term for a pre-vote.
    if (m.type === 'MsgPreVoteResp' && !m.reject) return true; // The term is ours to bump.
    const fromLeader = m.type === 'MsgApp' || m.type === 'MsgHeartbeat' || m.type === 'MsgSnap';
    this.becomeFollower(m.term, fromLeader ? m.from : 0);
    return true;
  }

  private stepLowerTerm(m: Message): void {
    if (
      (this.cfg.checkQuorum || this.cfg.preVote) &&
      (m.type === 'MsgHeartbeat' || m.type === 'MsgApp')
    ) {
      // A stale leader that cannot win an election must still learn of the newer term, or with
      // check-quorum / pre-vote it would never step down (etcd's "stuck leader" case).
      this.send({ type: 'MsgAppResp', to: m.from });
    } else if (m.type === 'MsgPreVote') {
      this.send({ type: 'MsgPreVoteResp', to: m.from, term: this.term, reject: true });
    }
  }

  private handleVote(m: Message): void {
    const canVote =
      this.vote === m.from ||
      (this.vote === 0 && this.lead === 0) ||
      (m.type === 'MsgPreVote' && m.term > this.term);
    const resp = m.type === 'MsgVote' ? 'MsgVoteResp' : 'MsgPreVoteResp';
    if (canVote && this.raftLog.isUpToDate({ index: m.index, term: m.logTerm })) {
      // A granted response carries the candidate's term so it is not ignored as stale.
      this.send({ type: resp, to: m.from, term: m.term });
      if (m.type === 'MsgVote') {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.send({ type: resp, to: m.from, term: this.term, reject: true });
    }
  }

  // ---- snapshots and configuration ----

  /** Installs a snapshot from the leader; false when it is stale or already covered. */
  restore(snap: Snapshot): boolean {
    const { index, term, confState } = snap.metadata;
    if (index <= this.raftLog.committed) return false;
    if (this.state !== 'StateFollower') {
      // Only a follower receives snapshots; be defensive as etcd is.
      this.becomeFollower(this.term + 1, 0);
      return false;
    }
    const member = [...confState.voters, ...confState.learners, ...confState.votersOutgoing];
    if (!member.includes(this.id)) {
      this.logger.warn(`${String(this.id)} ignores a snapshot whose config does not include it`);
      return false;
    }
    if (this.raftLog.matchTerm({ index, term })) {
      // The log already holds the snapshot's last entry: fast-forward the commit instead.
      this.raftLog.commitTo(index);
      return false;
    }
    this.raftLog.restore(snap);
    this.switchToConfig(this.restoreTracker(confState));
    return true;
  }

  /** The result of applying `cc` to the current configuration (nothing is changed). */
  computeConfChange(cc: ConfChange): ConfigAndProgress {
    const input = {
      config: this.trk.config,
      progress: this.trk.progress,
      lastIndex: this.raftLog.lastIndex(),
      inflightMsgsMax: this.cfg.maxInflightMsgs,
      inflightBytesMax: this.cfg.maxInflightBytes,
    };
    if (cc.changes.length === 0) return leaveJoint(input);
    if (cc.transition !== 'auto' || cc.changes.length > 1) {
      return enterJoint(input, { autoLeave: cc.transition !== 'explicit', changes: cc.changes });
    }
    return simpleChange(input, cc.changes);
  }

  /** Applies a committed conf change. Asserts it is valid (the leader checked it). */
  applyConfChange(cc: ConfChange): ConfState {
    let next: ConfigAndProgress;
    try {
      next = this.computeConfChange(cc);
    } catch (e) {
      if (e instanceof ConfChangeRefused)
        assert(false, `unable to apply conf change: ${e.message}`);
      throw e;
    }
    return this.switchToConfig(next);
  }

  /**
   * Steps down after applying our own removal. The others may not know yet that the removal
   * committed and may still count on our vote, which we would refuse for a shorter log, while
   * we no longer campaign (etcd-io/etcd#11038). So hand over to a voter that holds our whole
   * log with TimeoutNow, as a leadership transfer would.
   */
  private stepDownAfterRemoval(): void {
    const last = this.raftLog.lastIndex();
    let heir = 0;
    for (const id of this.trk.ids()) {
      const p = this.trk.progress.get(id);
      if (id !== this.id && p !== undefined && !p.isLearner && p.match === last) {
        heir = id;
        break;
      }
    }
    this.becomeFollower(this.term, 0);
    if (heir !== 0) sendTimeoutNow(this, heir);
  }

  private switchToConfig(next: ConfigAndProgress): ConfState {
    this.trk.config = next.config;
    this.trk.progress = next.progress;
    const cs = toConfState(next.config);
    const pr = this.trk.progress.get(this.id);
    this.isLearner = pr?.isLearner ?? false;
    if ((pr === undefined || this.isLearner) && this.state === 'StateLeader') {
      if (this.cfg.stepDownOnRemoval) this.stepDownAfterRemoval();
      return cs;
    }
    if (this.state !== 'StateLeader' || cs.voters.length === 0) return cs;
    if (this.maybeCommit()) bcastAppend(this);
    else
      this.trk.visit((id) => {
        if (id !== this.id) maybeSendAppend(this, id, false);
      });
    if (this.leadTransferee !== 0 && !this.trk.isVoter(this.leadTransferee))
      this.leadTransferee = 0;
    return cs;
  }
}
