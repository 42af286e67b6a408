// The driver loop (DESIGN.md "The write path", STYLE.md §6): one async loop owns the RawNode.
// Timers, sockets and client calls push events into a bounded inbox; each turn drains the inbox
// in one batch, then handles at most one Ready in this order:
//   1. persist entries, HardState and snapshot in the WAL and await durability;
//   2. hand the messages to the transport;
//   3. start applying the committed entries to kv-mvcc in one LMDB transaction (it commits and
//      flushes on LMDB's write thread; the WAL, durable before this step, replays whatever a
//      machine crash takes from the store; see log-snapshotter.ts for why the log keeps those
//      entries);
//   4. advance(), and go on to the next Ready while the store commits: the next WAL write
//      overlaps the previous apply, as etcd's raftNode hands applies to another goroutine.
//      Applies commit in order; up to applyBatchesInFlightMax wait at once. A proposal resolves,
//      and a read is released, only once the store has committed its entry (`applied`).
// Proposals carry a request ID; the proposer's promise settles when its entry is applied here.
// Linearizable reads share ReadIndex rounds and are released once the applied index reaches the
// round's read index.
import type { ApplyRequest, ApplyResult, MvccStore, ApplyEntry } from '@keel/kv-mvcc';
import {
  decodeConfChange,
  isRaftError,
  type ConfChange,
  type Entry,
  type Message,
  type RawNode,
  type Ready,
  type Snapshot,
  type Status,
} from '@keel/raft-core';
import type { RaftLog } from '@keel/raft-wal';
import { assert } from './assert.js';
import type { Clock } from './clock.js';
import type { Logger } from './config.js';
import { EmbedError } from './errors.js';
import { Inbox } from './inbox.js';
import type { Leadership } from './leadership.js';
import type { LogSnapshotter } from './log-snapshotter.js';
import {
  applyBatchesInFlightMax,
  applyLagEntriesMax,
  inboxEventsMax,
  pendingRequestsMax,
  readBatchCountMax,
  readRetryTicks,
} from './limits.js';
import type { ServerMetrics } from './metrics.js';
import type { Membership, MemberRequest } from './membership.js';
import { PendingRequests } from './pending-requests.js';
import {
  decodeConfContext,
  decodeRequest,
  encodeRequest,
  isMemberRequest,
  RequestIds,
} from './request-codec.js';
import { hasSnapshotFile, installSnapshotFile } from './snapshot-files.js';

/** What the loop's inbox carries. */
export type DriverEvent =
  | { readonly kind: 'tick' }
  | { readonly kind: 'message'; readonly message: Message }
  | { readonly kind: 'propose'; readonly id: string; readonly data: Uint8Array }
  | { readonly kind: 'propose-conf'; readonly id: string; readonly cc: ConfChange }
  | { readonly kind: 'read'; readonly id: string }
  | { readonly kind: 'unreachable'; readonly peer: number }
  | { readonly kind: 'snapshot-status'; readonly peer: number; readonly ok: boolean }
  | { readonly kind: 'transfer-leader'; readonly to: number };

/** Where the loop sends a Ready's messages (the transport, or nothing for a lone member). */
export interface MessageSink {
  send(messages: readonly Message[]): void;
}

/** Everything the loop drives; each part is owned by the server, which closes it. */
export interface DriverParts {
  readonly memberId: number;
  readonly node: RawNode;
  readonly log: RaftLog;
  readonly kv: MvccStore;
  readonly sink: MessageSink;
  readonly clock: Clock;
  readonly leadership: Leadership;
  /** The replicated member table; membership entries are applied to it. */
  readonly membership: Membership;
  readonly metrics: ServerMetrics;
  readonly logger: Logger;
  /** Every request's time limit (etcd: 5 s + 2 x electionMs). */
  readonly requestTimeoutMs: number;
  /** The index Raft starts applying after (the WAL snapshot's index). */
  readonly appliedIndex: number;
  /** The member's data directory, where received snapshots wait to be installed. */
  readonly dataDir: string;
  /** Records snapshots and compacts the log every `snapshotCount` applied entries. */
  readonly snapshotter: LogSnapshotter;
}

/** A ReadIndex round in flight: the reads it serves and how many ticks it has waited. */
interface ReadRound {
  readonly ids: string[];
  ticks: number;
}

function stopped(): EmbedError {
  return new EmbedError({ code: 'STOPPED', message: 'server is closed' });
}

/** The loop itself; see the file comment. */
export class Driver {
  readonly inbox = new Inbox<DriverEvent>(inboxEventsMax);
  readonly #p: DriverParts;
  readonly #ids: RequestIds;
  readonly #proposals: PendingRequests<ApplyResult>;
  readonly #reads: PendingRequests<undefined>;
  /** Membership changes (conf changes and member requests) waiting to be applied. */
  readonly #memberChanges: PendingRequests<undefined>;
  #readBatch: string[] = [];
  readonly #readRounds = new Map<string, ReadRound>();
  /** Answered rounds waiting for apply, in increasing read index. */
  #readWaits: { readonly index: number; readonly ids: readonly string[] }[] = [];
  #applied: number;
  /** The last index handed to the store (applied once its batch commits). */
  #applying: number;
  /** Store batches started and not yet committed, oldest first. */
  #applies: Promise<void>[] = [];
  #applyFailure: Error | undefined;
  #committed: number;
  #term: number;
  #lead = 0;
  /** Whether Raft is in the leader state (the last Ready's soft state). */
  #leading = false;
  #loop: Promise<void> | undefined;
  #failure: unknown;
  #compacting = false;

  constructor(parts: DriverParts) {
    this.#p = parts;
    this.#ids = new RequestIds(parts.memberId);
    const opts = {
      clock: parts.clock,
      countMax: pendingRequestsMax,
      timeoutMs: parts.requestTimeoutMs,
    };
    this.#proposals = new PendingRequests<ApplyResult>(opts);
    this.#reads = new PendingRequests<undefined>(opts);
    this.#memberChanges = new PendingRequests<undefined>(opts);
    this.#applied = parts.appliedIndex;
    this.#applying = parts.appliedIndex;
    const hs = parts.node.status().hardState;
    this.#committed = hs.commit;
    this.#term = hs.term;
  }

  /** The last index applied to the store. Invariant: applied <= committed. */
  get applied(): number {
    return this.#applied;
  }

  /** The highest commit index this member knows. */
  get committed(): number {
    return this.#committed;
  }

  /** The latest Raft term this member has seen. */
  get term(): number {
    return this.#term;
  }

  /** Raft's view now (progress of every member when leading); read between turns. */
  status(): Status {
    return this.#p.node.status();
  }

  /** The error that stopped the loop, if one did. */
  get failure(): unknown {
    return this.#failure;
  }

  /** Starts the loop; `onFailure` hears a fatal error (the loop has stopped by then). */
  start(onFailure: (e: unknown) => void): void {
    assert(this.#loop === undefined, 'the driver loop runs once');
    this.#loop = this.#run().catch((e: unknown) => {
      this.#failure = e;
      this.#p.logger.error({ err: String(e) }, 'driver loop stopped on a fatal error');
      this.inbox.close();
      this.#rejectAll(e);
      onFailure(e);
    });
  }

  /**
   * Proposes `request` through Raft; resolves with its outcome once applied on this member.
   * @throws EmbedError NOT_LEADER (no leader known), TIMEOUT, STOPPED, OVERLOADED,
   * REQUEST_TOO_LARGE (encoded size above `maxRequestBytes`).
   */
  propose(request: ApplyRequest, maxRequestBytes: number): Promise<ApplyResult> {
    const id = this.#ids.next();
    const data = encodeRequest({ id, request });
    if (data.byteLength > maxRequestBytes) {
      return Promise.reject(
        new EmbedError({
          code: 'REQUEST_TOO_LARGE',
          message: `request is too large: ${data.byteLength} bytes > maxRequestBytes ${maxRequestBytes}`,
        }),
      );
    }
    if (this.#committed - this.#applied > applyLagEntriesMax) {
      return Promise.reject(
        new EmbedError({ code: 'OVERLOADED', message: 'too many requests: apply lags commit' }),
      );
    }
    return this.#enqueue(this.#proposals, { kind: 'propose', id, data });
  }

  /**
   * Proposes a member request (new peer URLs, published attributes) as a normal entry; resolves
   * once it is applied here. @throws EmbedError NOT_LEADER, TIMEOUT, STOPPED, OVERLOADED
   */
  proposeMember(request: MemberRequest): Promise<undefined> {
    const id = this.#ids.next();
    return this.#enqueue(this.#memberChanges, {
      kind: 'propose',
      id,
      data: encodeRequest({ id, request }),
    });
  }

  /**
   * Proposes a conf change whose context is made by `context(id)` from the request ID; resolves
   * once it is applied here. @throws EmbedError NOT_LEADER, TIMEOUT, STOPPED, OVERLOADED (another
   * conf change is pending on this leader)
   */
  proposeConfChange(
    changes: ConfChange['changes'],
    context: (id: string) => Uint8Array,
  ): Promise<undefined> {
    const id = this.#ids.next();
    const cc: ConfChange = { transition: 'auto', changes, context: context(id) };
    return this.#enqueue(this.#memberChanges, { kind: 'propose-conf', id, cc });
  }

  /**
   * Resolves once this member's state includes every write acknowledged before the call
   * (ReadIndex, batched with concurrent reads).
   * @throws EmbedError TIMEOUT (no leader confirmed the read in time), STOPPED, OVERLOADED.
   */
  readBarrier(): Promise<undefined> {
    return this.#enqueue(this.#reads, { kind: 'read', id: this.#ids.next() });
  }

  #enqueue<T>(
    pending: PendingRequests<T>,
    event: DriverEvent & { readonly id: string },
  ): Promise<T> {
    if (this.inbox.closed) return Promise.reject(stopped());
    try {
      const outcome = pending.wait(event.id);
      try {
        this.inbox.push(event);
      } catch (e) {
        pending.reject(event.id, e);
      }
      return outcome;
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  /**
   * As leader, hands leadership to the most caught-up other voter (etcd's transfer on stop) and
   * resolves once another leader is known or `waitMs` passed; true when leadership moved.
   * A member that does not lead, or leads alone, resolves false at once.
   */
  transferLeadership(waitMs: number, to = 0): Promise<boolean> {
    const p = this.#p;
    if (!p.leadership.isLeader() || this.inbox.closed) return Promise.resolve(false);
    let best = to;
    let bestMatch = -1;
    const voters = new Set(p.node.status().config.voters);
    for (const [id, pr] of p.node.status().progress) {
      if (to !== 0 || id === p.memberId || !voters.has(id) || pr.match <= bestMatch) continue;
      best = id;
      bestMatch = pr.match;
    }
    if (best === 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const finish = (moved: boolean): void => {
        off();
        cancel();
        resolve(moved);
      };
      const off = p.leadership.onChange((c) => {
        if (c.leaderId !== 0 && c.leaderId !== p.memberId) finish(to === 0 || c.leaderId === to);
      });
      const cancel = p.clock.after(waitMs, () => {
        finish(false);
      });
      this.inbox.pushUrgent({ kind: 'transfer-leader', to: best });
    });
  }

  /** Stops the loop after its current turn and rejects every waiting request with STOPPED. */
  async stop(): Promise<void> {
    this.inbox.close();
    await this.#loop;
    this.#rejectAll(stopped());
  }

  #rejectAll(e: unknown): void {
    this.#proposals.rejectAll(e);
    this.#reads.rejectAll(e);
    this.#memberChanges.rejectAll(e);
  }

  async #run(): Promise<void> {
    // The package's one unbounded loop: it ends when the inbox is closed (close() or a failure).
    try {
      for (;;) {
        if (this.inbox.closed) return;
        this.#handleEvents(this.inbox.drain());
        if (this.#p.node.hasReady()) await this.#handleReady(this.#p.node.ready());
        else await this.inbox.wait();
      }
    } finally {
      await this.#settleApplies();
    }
  }

  /** Waits for every store batch started so far. @throws the error that failed one. */
  async #settleApplies(): Promise<void> {
    while (this.#applies.length > 0) await this.#applies[0];
    if (this.#applyFailure !== undefined) throw this.#applyFailure;
  }

  #handleEvents(events: readonly DriverEvent[]): void {
    const node = this.#p.node;
    for (const e of events) {
      switch (e.kind) {
        case 'tick':
          node.tick();
          this.#ageReadRounds();
          break;
        case 'message':
          this.#step(e.message);
          break;
        case 'propose':
          this.#propose(e.id, e.data);
          break;
        case 'propose-conf':
          this.#proposeConf(e.id, e.cc);
          break;
        case 'read':
          this.#readBatch.push(e.id);
          break;
        case 'unreachable':
          node.reportUnreachable(e.peer);
          break;
        case 'snapshot-status':
          node.reportSnapshot(e.peer, e.ok);
          break;
        case 'transfer-leader':
          node.transferLeader(e.to);
          break;
      }
    }
    this.#startReadRounds();
  }

  #step(m: Message): void {
    // A MsgSnap reaches the loop only after its body is stored (snapshot-receiver.ts); one
    // without a body (sent on a stream link) cannot be installed, so Raft never sees it.
    if (
      m.type === 'MsgSnap' &&
      !hasSnapshotFile(this.#p.dataDir, m.snapshot?.metadata.index ?? 0)
    ) {
      this.#p.logger.warn({ from: m.from }, 'dropped a snapshot message without its data');
      return;
    }
    try {
      this.#p.node.step(m);
    } catch (e) {
      // A response from a member no longer in the configuration is an operating condition
      // (membership changed while it was in flight); anything else is a bug.
      if (!isRaftError(e, 'STEP_PEER_NOT_FOUND')) throw e;
      this.#p.logger.debug({ from: m.from, type: m.type }, 'dropped a message from a non-member');
    }
  }

  #propose(id: string, data: Uint8Array): void {
    try {
      this.#p.node.propose(data);
    } catch (e) {
      if (!isRaftError(e, 'PROPOSAL_DROPPED')) throw e;
      this.#p.metrics.proposalsFailed.inc();
      const error = new EmbedError({
        code: 'NOT_LEADER',
        message: 'no leader to take the proposal',
        cause: e,
      });
      if (!this.#proposals.reject(id, error)) this.#memberChanges.reject(id, error);
    }
  }

  #proposeConf(id: string, cc: ConfChange): void {
    try {
      this.#p.node.proposeConfChange(cc);
    } catch (e) {
      if (!isRaftError(e, 'PROPOSAL_DROPPED')) throw e;
      // Raft drops a conf change when no leader is known, or, on the leader, while another one
      // is not yet applied (one membership change at a time).
      const error =
        this.#lead === 0
          ? new EmbedError({
              code: 'NOT_LEADER',
              message: 'no leader to take the change',
              cause: e,
            })
          : new EmbedError({
              code: 'OVERLOADED',
              message: 'another membership change is in progress; retry once it is applied',
              cause: e,
            });
      this.#memberChanges.reject(id, error);
    }
  }

  #startReadRounds(): void {
    while (this.#readBatch.length > 0) {
      const ids = this.#readBatch.splice(0, readBatchCountMax);
      this.#askReadIndex({ ids, ticks: 0 });
    }
  }

  #askReadIndex(round: ReadRound): void {
    // The leader keeps one pending read per context and drops a second with the same one, so
    // contexts must be unique in the cluster, as request IDs are (etcd uses its request IDs): a
    // per-member counter collided between followers, and the dropped round waited
    // readRetryTicks.
    const id = this.#ids.next();
    this.#readRounds.set(id, round);
    this.#p.node.readIndex(Buffer.from(id, 'latin1'));
  }

  /** Raft drops a ReadIndex request it cannot serve; ask again for rounds that waited too long. */
  #ageReadRounds(): void {
    for (const [key, round] of this.#readRounds) {
      round.ticks += 1;
      if (round.ticks < readRetryTicks) continue;
      this.#p.metrics.slowReadIndexes.inc();
      this.#readRounds.delete(key);
      this.#askReadIndex({ ids: round.ids, ticks: 0 });
    }
  }

  async #handleReady(rd: Ready): Promise<void> {
    const p = this.#p;
    // A HardState whose only change is the commit index need not be durable (raft's mustSync is
    // false): a restarted member learns the commit again, and what it had applied is durable in
    // the store. etcd writes it without fsync; we leave it for the next save, one fsync fewer
    // per commit on the leader.
    // A conf change about to be applied makes its commit durable first: a restart then replays
    // it into Raft's configuration before any campaign (raft refuses to campaign with committed
    // conf changes unapplied), so a member never counts votes with an older configuration than
    // the membership it has applied.
    const confApplied = rd.committedEntries.some((e) => e.type === 'EntryConfChange');
    if (rd.softState !== undefined) this.#leading = rd.softState.raftState === 'StateLeader';
    // A leader sends before its own WAL write, so followers write in parallel with it (Raft
    // thesis §10.2.1; etcd's raftNode does the same). Safe: its commit index moves only on
    // follower acks, which the loop steps after this write is durable (it steps nothing while it
    // waits), so no message reports a commit the leader has not persisted; and nothing a leader
    // sends (appends, heartbeats, snapshots, read answers, refused votes) rests on state this
    // Ready makes durable: one that grants a vote or takes a new term has stepped down, and
    // then sends after persisting, below.
    const sendFirst = this.#leading;
    if (sendFirst && rd.messages.length > 0) p.sink.send(rd.messages);
    if (rd.entries.length > 0 || rd.mustSync || rd.snapshot !== undefined || confApplied) {
      const t0 = p.clock.nowMs();
      const hardState = rd.hardState ?? (confApplied ? p.node.status().hardState : undefined);
      await p.log.save({
        entries: rd.entries,
        ...(hardState !== undefined ? { hardState } : {}),
        ...(rd.snapshot !== undefined ? { snapshot: rd.snapshot } : {}),
      });
      p.metrics.walFsyncSeconds.observe((p.clock.nowMs() - t0) / 1000);
    }
    if (!sendFirst && rd.messages.length > 0) p.sink.send(rd.messages);
    if (rd.hardState !== undefined) {
      this.#term = rd.hardState.term;
      this.#committed = rd.hardState.commit;
    }
    // A defragmentation of the store holds every write back until its file is swapped (etcd's
    // defrag blocks applies too); one that failed left the old file in use, so apply goes on.
    await p.kv.whenWritable()?.catch(() => undefined);
    if (rd.snapshot !== undefined) {
      await this.#settleApplies();
      this.#installSnapshot(rd.snapshot);
    }
    if (rd.committedEntries.length > 0) await this.#apply(rd.committedEntries);
    for (const rs of rd.readStates) {
      const key = Buffer.from(rs.requestCtx).toString('latin1');
      const round = this.#readRounds.get(key);
      if (round === undefined) continue;
      this.#readRounds.delete(key);
      this.#readWaits.push({ index: rs.index, ids: round.ids });
    }
    if (rd.softState !== undefined || rd.hardState !== undefined) this.#observeLeader(rd);
    p.node.advance();
    this.#releaseReads();
    // Raft ignores a snapshot whose configuration leaves the receiver out, and the one it sends
    // is the WAL's last: a member added after it could never install it (etcd sends snapshots
    // with the applied configuration). So a conf change is followed by a snapshot at once.
    const confChanged = rd.committedEntries.some((e) => e.type === 'EntryConfChange');
    if (confChanged || p.snapshotter.isDue(this.#applying)) {
      await this.#settleApplies();
      await p.snapshotter.snapshot(this.#applied, p.node.status().config);
    }
  }

  /**
   * Replaces the member table and the store's state with the leader's snapshot, saved in the WAL
   * just before (the crash-safe sequence is in snapshot-files.ts). Raft goes on from the snapshot's index; the
   * store's consistent index may be past it, and the entries up to there are skipped.
   */
  #installSnapshot(snap: Snapshot): void {
    const { index } = snap.metadata;
    assert(index > this.#applied, 'raft installs only snapshots past what was applied');
    const { dataDir, kv, membership } = this.#p;
    installSnapshotFile({
      ...{ dataDir, index, kv },
      installMembers: (table) => {
        membership.installSnapshot(table);
      },
    });
    this.#p.logger.info({ index, revision: this.#p.kv.revision }, 'installed the snapshot');
    this.#applied = index;
    this.#applying = index;
    this.#committed = Math.max(this.#committed, index);
    this.#removeCompacted();
  }

  #observeLeader(rd: Ready): void {
    const p = this.#p;
    if (rd.softState !== undefined) {
      if (rd.softState.lead !== this.#lead) p.metrics.leaderChanges.inc();
      this.#lead = rd.softState.lead;
    }
    p.metrics.hasLeader.set(this.#lead === 0 ? 0 : 1);
    p.metrics.isLeader.set(this.#lead === p.memberId ? 1 : 0);
    p.leadership.observe(this.#lead, this.#term);
  }

  /**
   * Starts applying `entries`: conf changes and member requests at once (Raft and the member
   * table change in the loop), store requests in one asynchronous batch that resolves their
   * proposals once committed. Waits only while applyBatchesInFlightMax batches are in flight.
   */
  async #apply(entries: readonly Entry[]): Promise<void> {
    const p = this.#p;
    const batch: ApplyEntry[] = [];
    const ids: string[] = [];
    for (const e of entries) {
      if (e.type === 'EntryConfChange') {
        this.#applyConfChange(e);
        continue;
      }
      // An empty normal entry is a new leader's no-op: nothing to apply.
      if (e.data.byteLength === 0) continue;
      const r = decodeRequest(e.data);
      if (isMemberRequest(r.request)) {
        p.membership.applyRequest(e.index, r.request);
        this.#memberChanges.resolve(r.id, undefined);
        continue;
      }
      batch.push({ index: e.index, request: r.request });
      ids.push(r.id);
    }
    const last = entries[entries.length - 1];
    assert(last !== undefined && last.index > this.#applying, 'applied index must increase');
    this.#applying = last.index;
    // The store records `last.index` even when the batch has no request for it, so its
    // consistent index is exactly the applied index (what snapshots are taken at). The commit
    // makes the batch visible to reads and watchers; proposals resolve and reads are released
    // only after it (in #applied below).
    const t0 = p.clock.nowMs();
    const done = p.kv.applyAsync(batch, { appliedIndex: last.index }).then(
      (results) => {
        p.metrics.backendCommitSeconds.observe((p.clock.nowMs() - t0) / 1000);
        this.#committedBatch({ through: last.index, batch, ids, results });
      },
      (e: unknown) => {
        // The store refuses every later batch: stop the loop, which reports the failure.
        this.#applyFailure ??= e instanceof Error ? e : new Error(String(e));
        this.inbox.close();
      },
    );
    const tracked: Promise<void> = done.finally(() => {
      void this.#applies.splice(this.#applies.indexOf(tracked), 1);
    });
    this.#applies.push(tracked);
    if (this.#applies.length >= applyBatchesInFlightMax) await this.#applies[0];
  }

  /** A store batch committed: its proposals resolve and reads waiting for it are released. */
  #committedBatch(b: {
    readonly through: number;
    readonly batch: readonly ApplyEntry[];
    readonly ids: readonly string[];
    readonly results: readonly ApplyResult[];
  }): void {
    const p = this.#p;
    // Past it only after installing a snapshot whose store was ahead of its Raft index.
    assert(p.kv.consistentIndex >= b.through, 'the store shows the batch once it is committed');
    if (b.batch.some((e) => 'compaction' in e.request)) this.#removeCompacted();
    assert(b.results.length === b.batch.length, 'kv-mvcc returned one result per entry');
    for (let i = 0; i < b.results.length; i++) {
      const result = b.results[i];
      const id = b.ids[i];
      // A skipped entry was already in an installed snapshot: its proposer's outcome is
      // unknown here and it ends in TIMEOUT, as in etcd.
      if (result === undefined || id === undefined || 'skipped' in result) continue;
      this.#proposals.resolve(id, result);
    }
    this.#applied = b.through;
    this.#committed = Math.max(this.#committed, this.#applied);
    p.metrics.proposalsApplied.set(this.#applied);
    p.metrics.proposalsCommitted.set(this.#committed);
    this.#releaseReads();
  }

  /**
   * Raft checked the change against its configuration when it was proposed (one pending at a
   * time), so a committed one is applied to Raft and to the member table alike, on every member.
   */
  #applyConfChange(e: Entry): void {
    const cc = decodeConfChange(e.data);
    this.#p.node.applyConfChange(cc);
    // Raft's own conf changes (leaving a joint configuration) carry no context.
    if (cc.context.byteLength === 0) return;
    const ctx = decodeConfContext(cc.context);
    this.#p.membership.applyConfChange(e.index, cc, ctx.member);
    this.#memberChanges.resolve(ctx.id, undefined);
  }

  /** Removes compacted revisions in the background, one bounded batch per event-loop turn. */
  #removeCompacted(): void {
    if (this.#compacting) return;
    this.#compacting = true;
    // runCompaction resolves early, without error, when the store closes; any other failure is
    // logged, and the next compaction starts it again.
    this.#p.kv
      .runCompaction()
      .catch((e: unknown) => {
        this.#p.logger.warn({ err: String(e) }, 'removing compacted revisions failed');
      })
      .finally(() => {
        this.#compacting = false;
      });
  }

  #releaseReads(): void {
    if (this.#readWaits.length === 0) return;
    this.#readWaits.sort((a, b) => a.index - b.index);
    let n = 0;
    for (const w of this.#readWaits) {
      if (w.index > this.#applied) break;
      for (const id of w.ids) this.#reads.resolve(id, undefined);
      n += 1;
    }
    this.#readWaits = this.#readWaits.slice(n);
  }
}
