// One simulated member: a RawNode, its durable storage (a MemoryStorage standing for the disk)
// and its application. Handling a Ready follows the embedder's contract in order: persist the
// snapshot, entries and HardState; send the messages; apply the committed entries; advance. A
// crash drops the RawNode and whatever it had not yet persisted: the node restarts from its
// storage alone, with its state machine loaded from the last snapshot it stored.
import { assert } from '../../assert.js';
import { decodeConfChange } from '../../conf-change-codec.js';
import { isRaftError } from '../../errors.js';
import { RawNode } from '../../raw-node.js';
import type { Ready } from '../../raw-node.js';
import type { ConfState, Entry, Message, SoftState } from '../../types.js';
import { MemoryStorage } from '../memory-storage.js';
import type { Prng } from '../prng.js';
import type { SafetyChecker } from './checkers.js';
import { SimViolationError } from './checkers.js';
import type { SimNetwork } from './sim-network.js';
import type { SimOptions } from './options.js';
import { SimStateMachine } from './sim-state-machine.js';

/** What a node shares with the rest of the cluster. */
export interface SimNodeContext {
  readonly prng: Prng;
  readonly options: SimOptions;
  readonly checker: SafetyChecker;
  readonly network: SimNetwork;
  /** The cluster clock, in ticks. */
  nowTicks(): number;
  /** Called for every entry a node applies, after the checkers saw it. */
  onApplied(node: SimNode, entry: Entry): void;
  /** Called with the configuration a node reached by applying a conf change. */
  onConfState(node: SimNode, confState: ConfState, index: number): void;
  /** Called for every ReadState a node returns, keyed by its request. */
  onReadState(node: SimNode, key: number): void;
}

/** Counters a node keeps for the run summary. */
export interface SimNodeStats {
  readies: number;
  snapshotsTaken: number;
  snapshotsRestored: number;
}

const followerSoftState: SoftState = { lead: 0, raftState: 'StateFollower' };

/** Runs `fn`, ignoring the typed errors raft raises for expected conditions (dropped proposals). */
export function tolerateRaftError(fn: () => void): boolean {
  try {
    fn();
    return true;
  } catch (e) {
    if (isRaftError(e)) return false;
    throw e;
  }
}

/** The request number encoded in a read context (8 bytes, a float64). */
export function readKeyOf(context: Uint8Array): number {
  assert(context.byteLength === 8, 'sim read context must be 8 bytes');
  return new DataView(context.buffer, context.byteOffset, 8).getFloat64(0, true);
}

/** A member of the simulated cluster. */
export class SimNode {
  readonly storage = new MemoryStorage();
  raw: RawNode | undefined;
  sm = SimStateMachine.empty();
  confState: ConfState;
  softState: SoftState = followerSoftState;
  // The highest commit index whose entries were reported to the checker.
  private commitReported = 0;
  readonly stats: SimNodeStats = { readies: 0, snapshotsTaken: 0, snapshotsRestored: 0 };

  constructor(
    readonly id: number,
    private readonly ctx: SimNodeContext,
  ) {
    this.confState = this.storage.snapshot().metadata.confState;
  }

  /** Whether the node is running. */
  isUp(): boolean {
    return this.raw !== undefined;
  }

  /** Whether the node believes it leads. */
  isLeader(): boolean {
    return this.raw !== undefined && this.softState.raftState === 'StateLeader';
  }

  /** Starts (or restarts) the node from its durable storage. */
  start(): void {
    assert(this.raw === undefined, `node ${String(this.id)} is already running`);
    const snap = this.storage.snapshot();
    this.sm = SimStateMachine.decode(snap.data);
    assert(this.sm.index === snap.metadata.index, 'sim snapshot data disagrees with its index');
    this.confState = snap.metadata.confState;
    this.softState = followerSoftState;
    const { hardState } = this.storage.initialState();
    const o = this.ctx.options;
    this.raw = new RawNode({
      id: this.id,
      electionTick: o.electionTicks,
      heartbeatTick: o.heartbeatTicks,
      storage: this.storage,
      random: this.ctx.prng,
      applied: this.sm.index,
      maxSizePerMsg: o.maxSizePerMsgBytes,
      maxInflightMsgs: o.maxInflightMsgs,
      checkQuorum: o.checkQuorum,
      preVote: o.preVote,
      readOnlyOption: o.readOnlyOption,
      disableProposalForwarding: o.disableProposalForwarding,
      stepDownOnRemoval: o.stepDownOnRemoval,
    });
    this.ctx.checker.observeStart(this.id, { hardState, applied: this.sm.index });
    if (this.sm.index > 0) {
      const state = { index: this.sm.index, digest: this.sm.digest, received: false };
      this.ctx.checker.observeRestored(this.id, state);
    }
  }

  /**
   * Stops the node. With `afterPersist`, it first takes a pending Ready and persists it, then
   * dies before sending or applying anything (a crash right after the disk write).
   */
  crash(afterPersist: boolean): void {
    const raw = this.raw;
    assert(raw !== undefined, `node ${String(this.id)} is not running`);
    if (afterPersist && raw.hasReady()) this.persist(raw.ready());
    this.raw = undefined;
  }

  /** Handles one Ready if there is one; returns whether there was. */
  handleReady(): boolean {
    const raw = this.raw;
    if (raw === undefined || !raw.hasReady()) return false;
    const rd = raw.ready();
    this.stats.readies++;
    this.persist(rd);
    this.send(rd.messages);
    this.apply(rd);
    raw.advance();
    this.maybeSnapshot();
    return true;
  }

  private persist(rd: Ready): void {
    const { checker } = this.ctx;
    if (rd.softState !== undefined) this.softState = rd.softState;
    if (rd.hardState !== undefined) checker.observeHardState(this.id, rd.hardState);
    if (rd.snapshot !== undefined) this.storage.applySnapshot(rd.snapshot);
    if (rd.entries.length > 0) this.appendDurably(rd.entries);
    if (rd.hardState !== undefined) {
      this.storage.setHardState(rd.hardState);
      checker.observePersisted(this.id, rd.hardState);
      this.reportCommitted(rd.hardState.commit);
    }
    if (this.softState.raftState === 'StateLeader') {
      const term = this.storage.initialState().hardState.term;
      checker.observeLeader(this.id, term, this.storage);
    }
  }

  // Reports the terms of the durable entries the commit index newly covers.
  private reportCommitted(commit: number): void {
    const lo = Math.max(this.commitReported + 1, this.storage.firstIndex());
    const hi = Math.min(commit, this.storage.lastIndex());
    for (let i = lo; i <= hi; i++) {
      this.ctx.checker.observeCommittedTerm(this.id, i, this.storage.term(i));
    }
    this.commitReported = Math.max(this.commitReported, commit);
  }

  private appendDurably(entries: readonly Entry[]): void {
    this.storage.append(entries);
    // The log-matching check needs the term before the first entry that is still stored.
    const first = this.storage.firstIndex();
    const kept = entries.filter((e) => e.index >= first);
    const head = kept[0];
    if (head === undefined) return;
    this.ctx.checker.observeAppended(this.id, kept, this.storage.term(head.index - 1));
  }

  private send(messages: readonly Message[]): void {
    const { checker, network } = this.ctx;
    const hs = this.storage.initialState().hardState;
    const durable = { hardState: hs, lastIndex: this.storage.lastIndex() };
    for (const m of messages) {
      checker.observeSend(this.id, m, durable);
      const sent = network.send(m, this.ctx.nowTicks());
      if (!sent) this.reportLost(m);
    }
  }

  /** Tells raft about a message the network lost at once, as a transport does on failure. */
  reportLost(m: Message): void {
    const raw = this.raw;
    if (raw === undefined) return;
    if (m.type === 'MsgSnap') raw.reportSnapshot(m.to, false);
    else if (m.type === 'MsgApp' && this.ctx.prng.chance(0.5)) raw.reportUnreachable(m.to);
  }

  private apply(rd: Ready): void {
    const raw = this.raw;
    assert(raw !== undefined, 'apply on a stopped node');
    const { checker } = this.ctx;
    if (rd.snapshot !== undefined) this.restore(rd);
    for (const e of rd.committedEntries) {
      if (e.type === 'EntryConfChange') {
        this.confState = raw.applyConfChange(decodeConfChange(e.data));
        this.ctx.onConfState(this, this.confState, e.index);
      }
      this.sm.apply(e);
      checker.observeApplied(this.id, e, this.sm.digest);
      this.ctx.onApplied(this, e);
      if (e.type === 'EntryConfChange') this.snapshotNow();
    }
    for (const rs of rd.readStates) {
      const key = readKeyOf(rs.requestCtx);
      checker.observeReadState(this.id, String(key), rs);
      this.ctx.onReadState(this, key);
    }
  }

  private restore(rd: Ready): void {
    const snap = rd.snapshot;
    assert(snap !== undefined, 'restore without a snapshot');
    const sm = SimStateMachine.decode(snap.data);
    if (sm.index !== snap.metadata.index) {
      const msg = `node ${String(this.id)} got snapshot ${String(snap.metadata.index)} holding state at ${String(sm.index)}`;
      throw new SimViolationError('state-machine-safety', msg);
    }
    this.sm = sm;
    this.confState = snap.metadata.confState;
    this.ctx.onConfState(this, this.confState, sm.index);
    this.stats.snapshotsRestored++;
    const state = { index: sm.index, digest: sm.digest, received: true };
    this.ctx.checker.observeRestored(this.id, state);
  }

  // The application also snapshots whenever it applies a conf change, so that the snapshot a
  // leader sends a new member names that member: raft refuses a snapshot whose configuration
  // leaves the receiver out (as etcd's restore does), and the bootstrap snapshot predates it.
  private snapshotNow(): void {
    this.storage.createSnapshot(this.sm.index, this.confState, this.sm.encode());
    this.stats.snapshotsTaken++;
  }

  // The application snapshots its state and compacts the log behind it, keeping a few entries so
  // that a follower slightly behind still gets entries rather than a snapshot.
  private maybeSnapshot(): void {
    const every = this.ctx.options.snapshotEveryEntries;
    if (every === 0) return;
    const applied = this.sm.index;
    if (applied - this.storage.snapshot().metadata.index < every) return;
    this.snapshotNow();
    const compactIndex = applied - this.ctx.options.compactKeepEntries;
    if (compactIndex >= this.storage.firstIndex()) this.storage.compact(compactIndex);
  }
}
