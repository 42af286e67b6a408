// The public face of raft-core (etcd's RawNode): a synchronous, single-threaded state machine
// driven by tick/step/propose, whose output is collected with ready() and acknowledged with
// advance(). See the README for the Ready loop and its durability contract.
import { assert } from './assert.js';
import { encodeConfChange } from './conf-change-codec.js';
import { resolveConfig, type RaftConfig } from './config.js';
import { entriesSizeBytes, payloadsSizeBytes } from './entries.js';
import { isRaftError, RaftError } from './errors.js';
import type { EntryId } from './log-unstable.js';
import { makeMessage } from './message.js';
import { Raft } from './raft.js';
import type { ProgressState } from './tracker/progress.js';
import { toConfState } from './tracker/tracker.js';
import {
  localMessageTypes,
  type ConfChange,
  type ConfState,
  type Entry,
  type HardState,
  type Message,
  type MessageType,
  type ReadState,
  type Snapshot,
  type SoftState,
} from './types.js';

/** What raft asks of the application in one turn of its loop. */
export interface Ready {
  /** Set when the leader or role changed since the last Ready. */
  readonly softState?: SoftState;
  /** Set when term, vote or commit changed: persist it before sending `messages`. */
  readonly hardState?: HardState;
  /** Entries to append to storage (replacing any suffix from their first index) before sending. */
  readonly entries: readonly Entry[];
  /** A snapshot to install in storage before sending. */
  readonly snapshot?: Snapshot;
  /** Committed entries to apply, in order, after persisting this Ready. */
  readonly committedEntries: readonly Entry[];
  /** Messages to send after persisting this Ready. */
  readonly messages: readonly Message[];
  /** Answers to readIndex requests. */
  readonly readStates: readonly ReadState[];
  /** Whether the HardState and entries must be synced to disk (not merely written). */
  readonly mustSync: boolean;
}

/** A snapshot of a member's follower progress as its leader sees it. */
export interface ProgressStatus {
  readonly match: number;
  readonly next: number;
  readonly state: ProgressState;
  readonly isLearner: boolean;
}

/** The state of a node, for observation and tests. */
export interface Status {
  readonly id: number;
  readonly hardState: HardState;
  readonly softState: SoftState;
  readonly applied: number;
  readonly leadTransferee: number;
  /** The progress of every member; empty unless this node is the leader. */
  readonly progress: ReadonlyMap<number, ProgressStatus>;
  readonly config: ConfState;
}

/** What a Ready handed out, to be acknowledged by advance(). */
interface Handed {
  readonly lastEntry: EntryId | undefined;
  readonly snapshotIndex: number | undefined;
  readonly lastCommitted: Entry | undefined;
  readonly committedSizeBytes: number;
  /** Payload bytes only: what the uncommitted limit counted when they were proposed. */
  readonly committedPayloadBytes: number;
}

const responseTypes: ReadonlySet<MessageType> = new Set<MessageType>([
  'MsgAppResp',
  'MsgVoteResp',
  'MsgPreVoteResp',
  'MsgHeartbeatResp',
  'MsgReadIndexResp',
  'MsgUnreachable',
  'MsgSnapStatus',
]);

function sameSoftState(a: SoftState, b: SoftState): boolean {
  return a.lead === b.lead && a.raftState === b.raftState;
}

function sameHardState(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

/**
 * A Raft member. Single-threaded and synchronous: call its methods from one loop only.
 *
 * @example
 * const node = new RawNode({ id: 1, electionTick: 10, heartbeatTick: 1, storage, random });
 * // each turn: node.tick() on a timer, node.step(m) per message, then:
 * if (node.hasReady()) {
 *   const rd = node.ready();
 *   // persist rd.snapshot, rd.entries, rd.hardState; then send rd.messages;
 *   // apply rd.committedEntries (applyConfChange for conf changes); then:
 *   node.advance();
 * }
 */
export class RawNode {
  private readonly raft: Raft;
  private prevSoftState: SoftState;
  private prevHardState: HardState;
  private handed: Handed[] = [];

  /** @throws RaftError `INVALID_CONFIG` naming the invalid field. */
  constructor(config: RaftConfig) {
    this.raft = new Raft(resolveConfig(config));
    this.prevSoftState = this.raft.softState();
    this.prevHardState = this.raft.hardState();
  }

  /** Advances the logical clock by one tick (elections, heartbeats, check-quorum). */
  tick(): void {
    this.raft.tick();
  }

  /** Campaigns to become leader now (with a pre-vote round when `preVote`). */
  campaign(): void {
    this.raft.step(makeMessage({ type: 'MsgHup', to: this.raft.id, from: this.raft.id }));
  }

  /**
   * Proposes `data` to be appended to the log; forwarded to the leader from a follower.
   * Acceptance here does not mean it will commit: watch committed entries.
   * @throws RaftError `PROPOSAL_DROPPED` with no known leader, during a leadership transfer,
   * past the uncommitted size limit, when forwarding is disabled, or as a candidate.
   */
  propose(data: Uint8Array): void {
    assert(data instanceof Uint8Array, 'propose: data must be a Uint8Array');
    this.proposeEntry({ term: 0, index: 0, type: 'EntryNormal', data });
  }

  /**
   * Proposes a membership change (see `ConfChange`); apply it with `applyConfChange` once it
   * is committed.
   * @throws RaftError `PROPOSAL_DROPPED` as `propose`, and on the leader when another conf
   * change is pending or the change is invalid for the current configuration.
   */
  proposeConfChange(cc: ConfChange): void {
    const data = encodeConfChange(cc);
    this.proposeEntry({ term: 0, index: 0, type: 'EntryConfChange', data });
  }

  private proposeEntry(e: Entry): void {
    const id = this.raft.id;
    this.raft.step(makeMessage({ type: 'MsgProp', to: id, from: id, entries: [e] }));
  }

  /**
   * Handles a message from a peer. A forwarded proposal that the leader drops is discarded
   * silently (its proposer learns by never seeing it commit).
   * @throws RaftError `STEP_LOCAL_MSG` for a local-only message type, `STEP_PEER_NOT_FOUND`
   * for a response from a member not in the configuration.
   */
  step(m: Message): void {
    if (localMessageTypes.has(m.type)) {
      throw new RaftError({ code: 'STEP_LOCAL_MSG', message: `cannot step ${m.type}` });
    }
    if (responseTypes.has(m.type) && !this.raft.trk.progress.has(m.from)) {
      throw new RaftError({
        code: 'STEP_PEER_NOT_FOUND',
        message: `${m.type} from unknown peer ${String(m.from)}`,
      });
    }
    try {
      this.raft.step(m);
    } catch (e) {
      if (m.type === 'MsgProp' && isRaftError(e, 'PROPOSAL_DROPPED')) return;
      throw e;
    }
  }

  /**
   * Asks for a linearizable read point; the answer arrives as a ReadState with `context`
   * (which should be unique) in a later Ready. Requests without a leader are dropped.
   */
  readIndex(context: Uint8Array): void {
    const id = this.raft.id;
    this.raft.step(makeMessage({ type: 'MsgReadIndex', to: id, from: id, context }));
  }

  /** Asks the leader to hand leadership to `id` (aborted after an election timeout). */
  transferLeader(id: number): void {
    this.raft.step(makeMessage({ type: 'MsgTransferLeader', to: this.raft.id, from: id }));
  }

  /** Forgets the current leader on a follower (ignored with lease-based reads). */
  forgetLeader(): void {
    const id = this.raft.id;
    this.raft.step(makeMessage({ type: 'MsgForgetLeader', to: id, from: id }));
  }

  /** Reports that the last message to `id` may not have arrived. */
  reportUnreachable(id: number): void {
    this.raft.step(makeMessage({ type: 'MsgUnreachable', to: this.raft.id, from: id }));
  }

  /** Reports whether the snapshot sent to `id` was installed. */
  reportSnapshot(id: number, ok: boolean): void {
    const to = this.raft.id;
    this.raft.step(makeMessage({ type: 'MsgSnapStatus', to, from: id, reject: !ok }));
  }

  /** Applies a committed conf change entry's change; returns the new configuration. */
  applyConfChange(cc: ConfChange): ConfState {
    return this.raft.applyConfChange(cc);
  }

  /** Whether ready() has anything to hand out. */
  hasReady(): boolean {
    const r = this.raft;
    r.flushAppends();
    if (!sameSoftState(r.softState(), this.prevSoftState)) return true;
    if (!sameHardState(r.hardState(), this.prevHardState)) return true;
    const u = r.raftLog.unstable;
    if (u.nextSnapshot() !== undefined) return true;
    if (r.msgs.length > 0 || r.readStates.length > 0) return true;
    if (u.offsetInProgress < u.offset + u.entries.length) return true;
    return r.raftLog.hasNextCommittedEntries();
  }

  /**
   * Collects what the application must do, and marks it handed out. Persist `snapshot`,
   * `entries` and `hardState`, then send `messages`, apply `committedEntries`, then advance().
   */
  ready(): Ready {
    const r = this.raft;
    r.flushAppends();
    const log = r.raftLog;
    const ss = r.softState();
    const hs = r.hardState();
    const entries = log.unstable.nextEntries();
    const snapshot = log.unstable.nextSnapshot();
    const committedEntries = log.nextCommittedEntries();
    const softChanged = !sameSoftState(ss, this.prevSoftState);
    const hardChanged = !sameHardState(hs, this.prevHardState);
    const mustSync =
      entries.length > 0 ||
      hs.term !== this.prevHardState.term ||
      hs.vote !== this.prevHardState.vote;
    const rd: { -readonly [K in keyof Ready]: Ready[K] } = {
      entries,
      committedEntries,
      messages: r.msgs,
      readStates: r.readStates,
      mustSync,
    };
    if (softChanged) rd.softState = ss;
    if (hardChanged) rd.hardState = hs;
    if (snapshot !== undefined) rd.snapshot = snapshot;
    this.prevSoftState = ss;
    this.prevHardState = hs;
    r.msgs = [];
    r.readStates = [];
    log.unstable.acceptInProgress();
    const lastEntry = entries[entries.length - 1];
    const lastCommitted = committedEntries[committedEntries.length - 1];
    const committedSizeBytes = entriesSizeBytes(committedEntries);
    if (lastCommitted !== undefined) log.acceptApplying(lastCommitted.index, committedSizeBytes);
    this.handed.push({
      lastEntry:
        lastEntry === undefined ? undefined : { index: lastEntry.index, term: lastEntry.term },
      snapshotIndex: snapshot?.metadata.index,
      lastCommitted,
      committedSizeBytes,
      committedPayloadBytes: payloadsSizeBytes(committedEntries),
    });
    return rd;
  }

  /**
   * Acknowledges every Ready handed out so far: its entries and snapshot are durable and its
   * committed entries applied.
   */
  advance(): void {
    assert(this.handed.length > 0, 'advance() without a ready()');
    const r = this.raft;
    const handed = this.handed;
    this.handed = [];
    for (const h of handed) {
      if (h.snapshotIndex !== undefined) {
        r.raftLog.unstable.stableSnapTo(h.snapshotIndex);
        r.appliedTo(h.snapshotIndex, 0);
      }
      if (h.lastEntry !== undefined) r.raftLog.unstable.stableTo(h.lastEntry);
      if (h.lastCommitted !== undefined) {
        r.appliedTo(h.lastCommitted.index, h.committedSizeBytes);
        if (r.state === 'StateLeader') r.reduceUncommittedSize(h.committedPayloadBytes);
      }
    }
  }

  /** The node's current state. */
  status(): Status {
    const r = this.raft;
    const progress = new Map<number, ProgressStatus>();
    if (r.state === 'StateLeader') {
      r.trk.visit((id, pr) => {
        progress.set(id, {
          match: pr.match,
          next: pr.next,
          state: pr.state,
          isLearner: pr.isLearner,
        });
      });
    }
    return {
      id: r.id,
      hardState: r.hardState(),
      softState: r.softState(),
      applied: r.raftLog.applied,
      leadTransferee: r.leadTransferee,
      progress,
      config: toConfState(r.trk.config),
    };
  }
}
