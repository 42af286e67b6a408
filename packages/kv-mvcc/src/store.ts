// MvccStore: etcd's multi-version key-value store on LMDB. The replicated state changes only
// through `apply` / `applyAsync`, one LMDB transaction per batch that also records the applied
// (consistent) index; everything else reads. Two copies of the meta values live in memory: the
// write side's (what the next batch builds on) and the visible one (what readers see), which an
// asynchronous batch publishes only once LMDB has committed it. The file is past 600 lines because
// the class owns every piece of that state (write side, visible side, durability, defragment);
// the work itself lives in the modules it calls.
import { mkdirSync, rmSync } from 'node:fs';
import { assert } from './assert.js';
import { packr } from './encoding.js';
import { MvccError, isMvccError } from './errors.js';
import { range, resolveReadRev, type ReadView } from './kv-read.js';
import {
  WriteTxn,
  applyDeleteRange,
  applyPut,
  checkDeleteRangeRequest,
  checkPutRequest,
  checkPutState,
  type Change,
} from './kv-write.js';
import { applyTxn, checkTxnRequest, txnHasPuts } from './kv-txn.js';
import { compactBatch, hasCompactionWork, hashRevisions, scheduleCompaction } from './compactor.js';
import {
  checkpointLeases,
  grantLease,
  leaseGrantedTtl,
  leaseTimeToLive,
  listLeases,
  revokeLease,
} from './lease.js';
import {
  mapSizeBytesDefault,
  quotaBackendBytesDefault,
  txnOpsMaxCap,
  txnOpsMaxDefault,
} from './limits.js';
import {
  checkFormat,
  getMetaNumber,
  metaKeys,
  openTables,
  putMetaNumber,
  dbPagesInUse,
  readCurrentRevision,
  type OpenTablesOptions,
  type Tables,
} from './tables.js';
import { BatchRevRows } from './rev-rows.js';
import { WatchHub, type WatchHandle } from './watch.js';
import { defragmentTables, removeDefragLeftovers, type DefragmentedTables } from './defrag.js';
import { openForRestore, replaceTables, restoreSnapshot, snapshotChunks } from './snapshot.js';
import type { RestoreOptions } from './snapshot.js';
import type {
  AlarmMember,
  AlarmRequest,
  AlarmResponse,
  ApplyEntry,
  ApplyRequest,
  ApplyResponse,
  ApplyResult,
  HashKVRequest,
  HashKVResponse,
  LeaseKeepAliveRequest,
  LeaseKeepAliveResponse,
  LeaseLeasesResponse,
  LeaseTimeToLiveRequest,
  LeaseTimeToLiveResponse,
  RangeRequest,
  RangeResponse,
  WatchCreateRequest,
  WatchResponse,
} from './types.js';

/** The meta values readers see (`MvccStore` keeps the write side's apart). */
interface VisibleState {
  readonly current: number;
  readonly compacted: number;
  /** The consistent index. */
  readonly applied: number;
}

/** lmdb's environment sync, present at runtime but missing from its type declarations. */
interface SyncableEnv {
  sync(callback: (err: unknown) => void): void;
}

/** Flushes everything LMDB has committed (mdb_env_sync, on a worker thread). */
function syncEnv(t: Tables): Promise<void> {
  return new Promise((resolve, reject) => {
    (t.env as unknown as SyncableEnv).sync((err: unknown) => {
      if (err === null || err === undefined) resolve();
      else reject(err instanceof Error ? err : new Error('LMDB sync failed', { cause: err }));
    });
  });
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error('apply failed', { cause: e });
}

/** Options of `MvccStore.open`. */
export interface MvccStoreOptions {
  /** Directory of the store's LMDB environment; created when absent. */
  readonly path: string;
  /** Most operations per txn branch; default 128 (etcd's), at most `txnOpsMaxCap`. */
  readonly maxTxnOps?: number | undefined;
  /** Database size above which the proposer's quota check fails; default 2 GiB (etcd's). */
  readonly quotaBackendBytes?: number | undefined;
  /** LMDB map size; default 64 GiB. */
  readonly mapSizeBytes?: number | undefined;
  /** Tests only: commit without fsync. A crash may then lose applied batches. */
  readonly unsafeNoSync?: boolean | undefined;
}

function checkOption(name: string, v: number | undefined, max: number): void {
  if (v !== undefined && (!Number.isSafeInteger(v) || v <= 0 || v > max)) {
    throw new MvccError({
      code: 'INVALID_CONFIG',
      message: `${name} must be in 1..${String(max)}`,
    });
  }
}

/** The cost test of etcd's quota: requests that can grow the database. */
function requestCosts(r: ApplyRequest): boolean {
  return 'put' in r || 'leaseGrant' in r || ('txn' in r && txnHasPuts(r.txn));
}

/**
 * etcd's MVCC store on LMDB. Synchronous: every method runs to completion on the caller's turn;
 * watch callbacks run inside `apply` after its transaction is durable, and from the event loop
 * for catch-up.
 * @example
 * const store = MvccStore.open({ path: dir });
 * store.apply([{ index: 1, request: { put: { key: enc('a'), value: enc('1') } } }]);
 * store.range({ key: enc('a') }).kvs[0]?.modRevision; // 1
 * await store.close();
 */
export class MvccStore {
  private readonly watchHub: WatchHub;
  private current: number;
  private compacted: number;
  private applying = false;
  private closed = false;
  /** The write side's copies of meta rows, kept equal to them at every batch boundary. */
  private appliedIndex: number | undefined;
  private alarmsCache: AlarmMember[] | undefined;
  /** The file size as last read; cleared by every write, so the quota check reads it once per
   * write instead of once per proposal (reading it asks LMDB for its stats). */
  private sizeBytesCache: number | undefined;
  /** Set while a defragmentation runs: writers wait for it (`whenWritable`). */
  private defragging: Promise<void> | undefined;
  /** The defragmentation directory the environment was opened at (removed at close). */
  private envDir: string | undefined;
  /** Snapshot streams reading each environment; a replaced one closes when its count is 0. */
  private readonly readers = new Map<Tables, number>();
  /** Environments replaced by a defragmentation, still read by a snapshot stream. */
  private readonly retired: DefragmentedTables[] = [];
  /** What readers see: the state of the last committed batch. Invariant: at or behind the write
   * side; equal to it whenever no asynchronous batch is in flight. */
  private visible: VisibleState;
  /** Invariant: durable <= visible.applied. */
  private durable: number;
  /** Asynchronous batches queued and not yet settled; the last one's promise. */
  private inflight = 0;
  private lastApply: Promise<unknown> = Promise.resolve();
  /** The error that failed an asynchronous batch: the store takes no more writes (see applyAsync). */
  private failure: Error | undefined;

  private constructor(
    private tables: Tables,
    private readonly opts: { maxTxnOps: number; quotaBackendBytes: number },
    private readonly tablesOptions: OpenTablesOptions,
  ) {
    this.current = readCurrentRevision(tables);
    this.compacted = getMetaNumber(tables, metaKeys.compactRev);
    this.visible = this.writeSide();
    this.durable = 0;
    this.watchHub = new WatchHub({
      tables: () => this.tables,
      current: () => this.visible.current,
      compacted: () => this.visible.compacted,
    });
  }

  /** Opens (or creates) a store. @throws MvccError INVALID_CONFIG, FORMAT_UNSUPPORTED */
  static open(opts: MvccStoreOptions): MvccStore {
    checkOption('maxTxnOps', opts.maxTxnOps, txnOpsMaxCap);
    checkOption('quotaBackendBytes', opts.quotaBackendBytes, Number.MAX_SAFE_INTEGER);
    checkOption('mapSizeBytes', opts.mapSizeBytes, Number.MAX_SAFE_INTEGER);
    if (opts.path === '') throw new MvccError({ code: 'INVALID_CONFIG', message: 'path is empty' });
    mkdirSync(opts.path, { recursive: true });
    removeDefragLeftovers(opts.path);
    const tablesOptions = {
      path: opts.path,
      mapSizeBytes: opts.mapSizeBytes ?? mapSizeBytesDefault,
      unsafeNoSync: opts.unsafeNoSync === true,
    };
    const limits = {
      maxTxnOps: opts.maxTxnOps ?? txnOpsMaxDefault,
      quotaBackendBytes: opts.quotaBackendBytes ?? quotaBackendBytesDefault,
    };
    const tables = openTables(tablesOptions);
    try {
      checkFormat(tables, opts.path);
    } catch (err) {
      // Nothing was written; the close's flush has nothing to wait for, so nobody awaits it.
      void tables.env.close();
      throw err;
    }
    return new MvccStore(tables, limits, tablesOptions);
  }

  private checkOpen(): void {
    if (this.closed) throw new MvccError({ code: 'CLOSED', message: 'store is closed' });
  }

  /** Writers must wait for a running defragmentation (`whenWritable`). */
  private checkWritable(): void {
    this.checkOpen();
    assert(this.defragging === undefined, 'a write waits for defragment (see whenWritable)');
  }

  /**
   * The Raft index of the last applied entry (etcd's consistent index) that readers see: the
   * last committed batch's; 0 for a new store. It may not be durable yet: see `durableIndex`.
   */
  get consistentIndex(): number {
    this.checkOpen();
    return this.visible.applied;
  }

  /**
   * The highest consistent index known to be on disk: after a machine crash the store reopens at
   * this index or later, never earlier. 0 until the first `flush()` or durable write after open.
   * Invariant: durableIndex <= consistentIndex. With `unsafeNoSync` it follows each commit,
   * though nothing is flushed.
   */
  get durableIndex(): number {
    return this.durable;
  }

  /** The current revision: 0 for a new store, +1 per change. */
  get revision(): number {
    return this.visible.current;
  }

  /** The compacted revision: reads below it fail with COMPACTED. */
  get compactRevision(): number {
    return this.visible.compacted;
  }

  private view(): ReadView {
    return {
      tables: this.tables,
      current: this.visible.current,
      compacted: this.visible.compacted,
    };
  }

  private writeSide(): VisibleState {
    return {
      current: this.current,
      compacted: this.compacted,
      applied: this.consistentIndexCached(),
    };
  }

  /**
   * Applies committed entries in one LMDB transaction that also stores the last index, durable on
   * return; for callers that cannot wait (embed applies with `applyAsync`). An entry at or below
   * the consistent index was applied before and is skipped, so a replay after a crash never
   * applies twice. A request that fails with an MvccError changes nothing and is reported in its
   * result; other failures are bugs and abort the whole batch.
   * `options.appliedIndex`, when given, is the Raft index the batch applies through (at least
   * the last entry's): entries that carry no request (a leader's empty entry, a conf change)
   * still move the consistent index, so it is always the last index applied, as in etcd.
   * Not while an asynchronous batch is in flight (it would overtake it).
   * @throws MvccError INDEX_MISMATCH (indexes not increasing, or `appliedIndex` below the last
   * entry's), CLOSED
   */
  apply(entries: readonly ApplyEntry[], options: { appliedIndex?: number } = {}): ApplyResult[] {
    const through = this.checkBatch(entries, options);
    assert(this.inflight === 0, 'apply does not overtake an asynchronous batch');
    const commits: Change[][] = [];
    this.applying = true;
    this.sizeBytesCache = undefined;
    try {
      const results = this.tables.env.transactionSync(() =>
        this.applyEntries(entries, { through, commits }),
      );
      this.publish(this.writeSide(), commits);
      this.durable = this.visible.applied; // transactionSync flushed it
      return results;
    } catch (err) {
      this.reloadMeta(); // the batch was rolled back: so are the in-memory copies
      throw err;
    } finally {
      this.applying = false;
    }
  }

  /**
   * `apply` without waiting for the disk: resolves with the results once the batch is committed
   * and visible to readers (reads, watch events and `consistentIndex` show it only from then);
   * the flush follows on LMDB's write thread (`durableIndex`, `flush()`). Batches commit in call
   * order, each in one LMDB transaction with its consistent index, so a crash leaves the store at
   * a whole-batch boundary at or after `durableIndex`. Several may be in flight.
   * If a batch fails for another reason than an MvccError (a bug, or LMDB failing), its
   * transaction is rolled back and the store refuses every later write with that error: batches
   * built on it cannot be trusted. Reopen it; the caller replays from `consistentIndex`.
   * @throws MvccError INDEX_MISMATCH, CLOSED (as rejections)
   */
  async applyAsync(
    entries: readonly ApplyEntry[],
    options: { appliedIndex?: number } = {},
  ): Promise<ApplyResult[]> {
    const through = this.checkBatch(entries, options);
    if (this.failure !== undefined) throw this.failure;
    const commits: Change[][] = [];
    let after: VisibleState | undefined;
    this.inflight += 1;
    this.sizeBytesCache = undefined;
    // A child transaction, so a callback that throws rolls back its own writes (a plain
    // asynchronous callback's writes would be committed with the rest of LMDB's batch).
    const done = this.tables.env.childTransaction(() => {
      after = undefined;
      const results = this.applyInCallback(entries, { through, commits });
      after = this.writeSide();
      return results;
    });
    this.lastApply = done;
    try {
      const results = await done;
      assert(after !== undefined, 'a committed batch has its state');
      if (!this.closed) this.publish(after, commits);
      this.trackDurable(after.applied);
      return results;
    } catch (err) {
      this.failure ??= asError(err);
      throw err;
    } finally {
      this.inflight -= 1;
    }
  }

  /** Runs one asynchronous batch inside LMDB's transaction callback, on the main thread. */
  private applyInCallback(
    entries: readonly ApplyEntry[],
    o: { readonly through: number; readonly commits: Change[][] },
  ): ApplyResult[] {
    if (this.failure !== undefined) throw this.failure;
    assert(!this.applying, 'apply is not re-entrant');
    const before = { current: this.current, compacted: this.compacted };
    const alarms = this.alarmsCache;
    const applied = this.appliedIndex;
    this.applying = true;
    try {
      return this.applyEntries(entries, o);
    } catch (err) {
      // The child transaction is rolled back: so is the write side.
      ({ current: this.current, compacted: this.compacted } = before);
      this.alarmsCache = alarms;
      this.appliedIndex = applied;
      this.failure ??= asError(err);
      throw err;
    } finally {
      this.applying = false;
    }
  }

  /**
   * Resolves once everything committed so far (every batch applied before the call included)
   * is on disk; `durableIndex` is then at least the `consistentIndex` of the call.
   * @throws the error that failed a batch; MvccError CLOSED
   */
  async flush(): Promise<void> {
    this.checkOpen();
    await Promise.allSettled([this.lastApply]);
    if (this.failure !== undefined) throw this.failure;
    const index = this.visible.applied;
    if (this.durable >= index) return; // nothing committed since the last known flush
    if (!this.tablesOptions.unsafeNoSync) await syncEnv(this.tables);
    this.durable = Math.max(this.durable, index);
  }

  private checkBatch(entries: readonly ApplyEntry[], options: { appliedIndex?: number }): number {
    this.checkWritable();
    const last = entries[entries.length - 1]?.index ?? 0;
    const through = options.appliedIndex ?? last;
    if (!Number.isSafeInteger(through) || through < last) {
      throw new MvccError({ code: 'INDEX_MISMATCH', message: 'appliedIndex is below an entry' });
    }
    assert(!this.applying, 'apply is not re-entrant (called from a watch callback?)');
    for (let i = 1; i < entries.length; i++) {
      if ((entries[i]?.index ?? 0) <= (entries[i - 1]?.index ?? 0)) {
        throw new MvccError({ code: 'INDEX_MISMATCH', message: 'entry indexes must increase' });
      }
    }
    return through;
  }

  /** Makes a committed batch's state the one readers see, then tells watchers. */
  private publish(state: VisibleState, commits: readonly Change[][]): void {
    assert(state.applied >= this.visible.applied, 'the visible consistent index only increases');
    this.visible = state;
    for (const changes of commits) this.watchHub.notify(changes);
  }

  /** Raises `durableIndex` to `index` once LMDB reports the commit flushed. */
  private trackDurable(index: number): void {
    if (this.tablesOptions.unsafeNoSync) {
      this.durable = Math.max(this.durable, index); // nothing is flushed in this test-only mode
      return;
    }
    // LMDB's flushed promise does not reject (a failed flush fails the next commit instead).
    void this.tables.env.flushed.then(() => {
      this.durable = Math.max(this.durable, index);
    });
  }

  private applyEntries(
    entries: readonly ApplyEntry[],
    o: { readonly through: number; readonly commits: Change[][] },
  ): ApplyResult[] {
    const { commits } = o;
    const t = this.tables;
    const begin = { index: this.consistentIndexCached(), rev: this.current };
    let applied = begin.index;
    const results: ApplyResult[] = [];
    const revRows = new BatchRevRows();
    for (const e of entries) {
      if (!Number.isSafeInteger(e.index) || e.index <= 0) {
        throw new MvccError({ code: 'INDEX_MISMATCH', message: 'entry index must be > 0' });
      }
      if (e.index <= applied) {
        results.push({ index: e.index, skipped: true });
        continue;
      }
      results.push(this.applyOne(e, { commits, revRows }));
      applied = e.index;
    }
    applied = Math.max(applied, o.through);
    revRows.writeTo(t);
    // Meta rows are written once per batch; the in-memory copies track them within it.
    if (applied !== begin.index) putMetaNumber(t, metaKeys.consistentIndex, applied);
    if (this.current !== begin.rev) putMetaNumber(t, metaKeys.currentRev, this.current);
    this.appliedIndex = applied;
    return results;
  }

  private applyOne(
    e: ApplyEntry,
    batch: { readonly commits: Change[][]; readonly revRows: BatchRevRows },
  ): ApplyResult {
    const w = new WriteTxn(this.tables, batch.revRows, {
      beginRev: this.current,
      compacted: this.compacted,
    });
    try {
      const response = this.dispatch(w, e.request);
      if (w.changes.length > 0) {
        this.current = w.main;
        batch.commits.push(w.changes);
      }
      return { index: e.index, response };
    } catch (err) {
      // Every check runs before the first write (as in etcd), so a refused request left nothing.
      if (isMvccError(err)) {
        assert(w.changes.length === 0, `${err.code} raised after a write`);
        return { index: e.index, error: err };
      }
      throw err;
    }
  }

  private consistentIndexCached(): number {
    this.appliedIndex ??= getMetaNumber(this.tables, metaKeys.consistentIndex);
    return this.appliedIndex;
  }

  private reloadMeta(): void {
    this.current = readCurrentRevision(this.tables);
    this.compacted = getMetaNumber(this.tables, metaKeys.compactRev);
    this.appliedIndex = undefined;
    this.alarmsCache = undefined;
    this.visible = this.writeSide();
  }

  private noSpace(): boolean {
    this.alarmsCache ??= this.readAlarms();
    return this.alarmsCache.some((a) => a.alarm === 'NOSPACE');
  }

  private checkSpace(r: ApplyRequest): void {
    if (requestCosts(r) && this.noSpace()) {
      throw new MvccError({ code: 'NO_SPACE', message: 'mvcc: database space exceeded' });
    }
  }

  private dispatch(w: WriteTxn, r: ApplyRequest): ApplyResponse {
    this.checkSpace(r);
    if ('range' in r) return { range: range(w.view(), r.range) };
    if ('put' in r) {
      checkPutRequest(r.put);
      checkPutState(w, r.put);
      return { put: applyPut(w, r.put) };
    }
    if ('deleteRange' in r) {
      checkDeleteRangeRequest(r.deleteRange);
      return { deleteRange: applyDeleteRange(w, r.deleteRange) };
    }
    if ('txn' in r) {
      checkTxnRequest(r.txn, this.opts.maxTxnOps);
      return { txn: applyTxn(w, r.txn) };
    }
    if ('compaction' in r) {
      scheduleCompaction(this.tables, r.compaction.revision, this.writeSide());
      this.compacted = r.compaction.revision;
      return { compaction: { revision: w.beginRev } };
    }
    if ('leaseGrant' in r) return { leaseGrant: grantLease(this.tables, r.leaseGrant, w.beginRev) };
    if ('leaseRevoke' in r) {
      revokeLease(w, r.leaseRevoke.ID);
      return { leaseRevoke: { revision: w.view().current } };
    }
    if ('leaseCheckpoint' in r) {
      checkpointLeases(this.tables, r.leaseCheckpoint);
      return { leaseCheckpoint: { revision: w.beginRev } };
    }
    return { alarm: this.applyAlarm(r.alarm) };
  }

  private readAlarms(): AlarmMember[] {
    const b = this.tables.meta.get(metaKeys.alarms);
    if (b === undefined) return [];
    const pairs = packr.unpack(b) as [number, AlarmMember['alarm']][];
    return pairs.map(([memberID, alarm]) => ({ memberID, alarm }));
  }

  private applyAlarm(r: AlarmRequest): AlarmResponse {
    let alarms = this.readAlarms();
    const same = (a: AlarmMember): boolean => a.memberID === r.memberID && a.alarm === r.alarm;
    // As etcd: GET lists every raised alarm; ACTIVATE answers with the alarm it raised (also when
    // it was raised already); DEACTIVATE with the alarm it removed (none when it was not raised).
    const changed = r.action === 'DEACTIVATE' ? alarms.filter(same) : [];
    if (r.action === 'ACTIVATE' && r.alarm !== 'NONE' && !alarms.some(same)) {
      alarms = [...alarms, { memberID: r.memberID, alarm: r.alarm }];
      alarms.sort((a, b) => a.memberID - b.memberID || a.alarm.localeCompare(b.alarm));
    } else if (r.action === 'DEACTIVATE') {
      alarms = alarms.filter((a) => !same(a));
    }
    this.tables.meta.putSync(metaKeys.alarms, packr.pack(alarms.map((a) => [a.memberID, a.alarm])));
    this.alarmsCache = alarms;
    if (r.action === 'ACTIVATE' && r.alarm !== 'NONE')
      changed.push({ memberID: r.memberID, alarm: r.alarm });
    return { alarms: r.action === 'GET' ? alarms : changed, revision: this.current };
  }

  /** The raised alarms, sorted by member then type. */
  alarms(): AlarmMember[] {
    this.checkOpen();
    return this.readAlarms();
  }

  /**
   * etcd's Range at the current state (a serializable read of this member).
   * @throws MvccError EMPTY_KEY, INVALID_SORT_OPTION, INVALID_ARGUMENT, COMPACTED, FUTURE_REV
   */
  range(req: RangeRequest): RangeResponse {
    this.checkOpen();
    return range(this.view(), req);
  }

  /** The size of the LMDB file in use, in bytes (etcd's backend size, for the quota). */
  dbSizeBytes(): number {
    this.checkOpen();
    const s = this.tables.env.getStats() as { lastPageNumber: number; pageSize: number };
    this.sizeBytesCache = (s.lastPageNumber + 1) * s.pageSize;
    return this.sizeBytesCache;
  }

  /**
   * The bytes of the file that hold data (etcd's `dbSizeInUse`: the size less free pages): the
   * pages of every table and of LMDB's own trees, and the two meta pages.
   */
  dbSizeInUseBytes(): number {
    this.checkOpen();
    return (
      dbPagesInUse(this.tables) * (this.tables.env.getStats() as { pageSize: number }).pageSize
    );
  }

  /**
   * The proposer's quota check (etcd's Quota.Available, run before proposing): a request that can
   * grow the database fails once the database is above `quotaBackendBytes`. The caller then
   * proposes an ACTIVATE NOSPACE alarm, after which every member refuses such requests in `apply`.
   * @throws MvccError NO_SPACE
   */
  checkQuota(request: ApplyRequest): void {
    this.checkOpen();
    if (!requestCosts(request)) return;
    if (
      this.noSpace() ||
      (this.sizeBytesCache ?? this.dbSizeBytes()) > this.opts.quotaBackendBytes
    ) {
      throw new MvccError({ code: 'NO_SPACE', message: 'mvcc: database space exceeded' });
    }
  }

  /**
   * etcd's HashKV at `revision` (0: current). @throws MvccError COMPACTED, FUTURE_REV
   */
  hashKV(req: HashKVRequest = {}): HashKVResponse {
    this.checkOpen();
    const at = resolveReadRev(this.view(), req.revision);
    const { compacted, current } = this.visible;
    const hash = hashRevisions(this.tables, at, compacted);
    return { hash, compactRevision: compacted, hashRevision: at, revision: current };
  }

  /** True when compacted revisions still wait for physical removal. */
  hasCompactionWork(): boolean {
    this.checkOpen();
    return hasCompactionWork(this.tables);
  }

  /** Removes one bounded batch of compacted revisions; true when more remain. */
  compactStep(): boolean {
    this.checkWritable();
    this.sizeBytesCache = undefined;
    return compactBatch(this.tables);
  }

  /**
   * Runs physical compaction to the end, one batch per event-loop turn so other work interleaves.
   * Resolves early, without error, when the store closes or `signal` aborts.
   */
  async runCompaction(opts: { signal?: AbortSignal } = {}): Promise<void> {
    // Bounded by the number of rev rows at or below the compacted revision.
    for (;;) {
      await this.whenWritable();
      if (this.closed || opts.signal?.aborted === true || !this.compactStep()) return;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** etcd's LeaseKeepAlive answer: the TTL the lease restarts with. @throws LEASE_NOT_FOUND */
  leaseKeepAlive(req: LeaseKeepAliveRequest): LeaseKeepAliveResponse {
    this.checkOpen();
    return {
      ID: req.ID,
      TTL: leaseGrantedTtl(this.tables, req.ID),
      revision: this.visible.current,
    };
  }

  /** etcd's LeaseTimeToLive, with the store's TTL view. @throws MvccError LEASE_NOT_FOUND */
  leaseTimeToLive(req: LeaseTimeToLiveRequest): LeaseTimeToLiveResponse {
    this.checkOpen();
    return { ...leaseTimeToLive(this.tables, req), revision: this.visible.current };
  }

  /** etcd's LeaseLeases. */
  leaseLeases(): LeaseLeasesResponse {
    this.checkOpen();
    return { ...listLeases(this.tables), revision: this.visible.current };
  }

  /**
   * Watches a key or range. `onResponse` gets the `created` response synchronously, events after
   * each apply that touches the range, catch-up batches from the event loop, and a final
   * `canceled` response (with `compactRevision`) if the start revision was compacted.
   * @throws MvccError EMPTY_KEY, INVALID_ARGUMENT, CLOSED
   */
  watch(req: WatchCreateRequest, onResponse: (r: WatchResponse) => void): WatchHandle {
    this.checkOpen();
    return this.watchHub.create(req, onResponse);
  }

  /** Sends a progress notification to every up-to-date watcher with `progressNotify` (or to all,
   * with `all`: etcd's WatchProgressRequest). The caller's timer decides when. */
  notifyProgress(opts: { all?: boolean } = {}): void {
    this.checkOpen();
    this.watchHub.notifyProgress(opts.all === true);
  }

  /**
   * A consistent snapshot of the whole store (data, index, leases, meta with the consistent
   * index) as a byte stream; applies may go on while it is read. Equal states give equal bytes.
   * The stream holds an LMDB read transaction until it ends or is returned (`for...of` with
   * `break` returns it); an abandoned stream keeps old pages alive.
   */
  snapshot(): Generator<Uint8Array> {
    this.checkOpen();
    const t = this.tables;
    this.readers.set(t, (this.readers.get(t) ?? 0) + 1);
    return this.trackedChunks(t, snapshotChunks(t));
  }

  private *trackedChunks(t: Tables, chunks: Generator<Uint8Array>): Generator<Uint8Array> {
    try {
      yield* chunks;
    } finally {
      this.readers.set(t, (this.readers.get(t) ?? 1) - 1);
      void this.closeRetired();
    }
  }

  /** Closes replaced environments no snapshot stream reads any more, and removes their files. */
  private async closeRetired(force = false): Promise<void> {
    for (const old of [...this.retired]) {
      if (!force && (this.readers.get(old.tables) ?? 0) > 0) continue;
      this.retired.splice(this.retired.indexOf(old), 1);
      this.readers.delete(old.tables);
      await old.tables.env.close();
      if (old.dir !== '') rmSync(old.dir, { recursive: true, force: true });
    }
  }

  /**
   * Resolves once no defragmentation runs; undefined when none does. Every writer (`apply`,
   * `replaceWithSnapshot`, `compactStep`) must wait for it: they refuse to run meanwhile.
   */
  whenWritable(): Promise<void> | undefined {
    return this.defragging;
  }

  /**
   * etcd's Defragment: rewrites the store's LMDB file compactly (free pages dropped) and swaps it
   * in by an atomic rename, crash-safe at every step (see defrag.ts); reads go on meanwhile,
   * writers wait (`whenWritable`). A call while one runs joins it. Resolves once the new file
   * is in use and its name durable.
   * @throws MvccError CLOSED; an IO error (before the swap the old file stays in use; after it,
   * only the directory's fsync can fail, and the store closes itself, as etcd stops)
   */
  defragment(): Promise<void> {
    this.checkOpen();
    assert(!this.applying, 'defragment is not called from a watch callback');
    this.defragging ??= this.runDefragment().finally(() => {
      this.defragging = undefined;
    });
    return this.defragging;
  }

  private async runDefragment(): Promise<void> {
    // The copy must hold every write: batches in flight commit first (new ones wait, see above).
    await Promise.allSettled([this.lastApply]);
    const state = { switched: false };
    try {
      await defragmentTables(this.tables, this.tablesOptions, (next) => {
        state.switched = true;
        this.retired.push({ tables: this.tables, dir: this.envDir ?? '' });
        this.tables = next.tables;
        this.envDir = next.dir;
        this.sizeBytesCache = undefined;
        this.reloadMeta();
        this.durable = this.visible.applied; // the copy was fsynced before it was opened
      });
    } catch (e) {
      if (state.switched) await this.shutdown();
      throw e;
    }
    await this.closeRetired();
  }

  /**
   * Restores a snapshot stream into `path`, which must be absent or empty; open it afterwards
   * with `MvccStore.open`. Zero bytes after the stream's trailer are padding and ignored.
   * `options` (etcdutl's restore) may record another consistent index, bump the revision and
   * mark it compacted. @throws MvccError SNAPSHOT_INVALID, INVALID_CONFIG (a bad option)
   */
  static async restore(
    path: string,
    chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    options: RestoreOptions = {},
  ): Promise<void> {
    checkOption('consistentIndex', options.consistentIndex, Number.MAX_SAFE_INTEGER);
    const bump = options.bumpRevision;
    if (bump !== undefined && bump !== 0)
      checkOption('bumpRevision', bump, Number.MAX_SAFE_INTEGER);
    mkdirSync(path, { recursive: true });
    const open = (p: string): Tables => openForRestore(p, mapSizeBytesDefault);
    await restoreSnapshot(path, chunks, { open, options });
  }

  /**
   * Replaces the whole state with a snapshot stream (a member installing its leader's snapshot),
   * in one durable LMDB transaction: after a crash the store holds either its old state or the
   * snapshot's, never a mix. Watchers catch up from their next revision in the new state (one
   * whose revision was compacted there is cancelled with the compact revision, as etcd's
   * restore does). Synchronous: the event loop waits for the copy.
   * @throws MvccError SNAPSHOT_INVALID (the state is unchanged), CLOSED
   */
  replaceWithSnapshot(chunks: Iterable<Uint8Array>): void {
    this.checkWritable();
    assert(!this.applying, 'replaceWithSnapshot is not re-entrant');
    assert(this.inflight === 0, 'replaceWithSnapshot does not overtake an asynchronous batch');
    this.sizeBytesCache = undefined;
    try {
      replaceTables(this.tables, chunks);
    } finally {
      this.reloadMeta();
    }
    // replaceTables commits durably: the new state is on disk.
    this.durable = this.visible.applied;
    this.watchHub.resync();
  }

  /**
   * Closes the store: waits for a defragmentation, drops watchers, waits for batches in flight
   * and closes LMDB, which flushes what was committed. Idempotent.
   */
  async close(): Promise<void> {
    // A defragmentation in progress finishes first (its failure is its caller's to see).
    await this.defragging?.catch(() => undefined);
    await this.shutdown();
  }

  private async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.watchHub.close();
    await Promise.allSettled([this.lastApply]);
    await this.closeRetired(true);
    await this.tables.env.close();
    if (this.envDir !== undefined) rmSync(this.envDir, { recursive: true, force: true });
  }
}
