// RaftLog: raft-core's Storage, durable in LMDB. Reads are synchronous and served from a cache of
// the log's tail or from LMDB; writes are queued and group-committed: every write that arrives
// while the event loop is busy goes into the next LMDB transaction, which is flushed to disk
// before any of their promises resolves.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { entrySizeBytes, StorageError } from '@keel/raft-core';
import type { ConfState, Entry, HardState, Snapshot, Storage } from '@keel/raft-core';
import { assert } from './assert.js';
import { EntryCache } from './entry-cache.js';
import { encodeEntryRecords, entryRecordHeaderBytes } from './entry-record.js';
import { WalError } from './errors.js';
import { encodeIndexKey, writeIndexKey } from './index-key.js';
import { cacheBytesCap, cacheBytesDefault, logBytesCap, logBytesDefault } from './limits.js';
import { pendingOpsCap, pendingOpsDefault } from './limits.js';
import { dataFileName, isFullError, openWalEnv, type WalEnv } from './lmdb-env.js';
import { loadLog, readEntryRecords } from './load-log.js';
import {
  LogPlan,
  type CreateSnapshotRequest,
  type LogState,
  type SaveRequest,
} from './log-plan.js';
import type { WalOp } from './log-plan.js';
import { encodeHardState, encodeLogRange, encodeSnapshot, metaKeys } from './meta-record.js';
import * as v from './validate.js';

const appendOnly = { append: true } as const;

/** Options of `RaftLog.open`. */
export interface RaftLogOptions {
  /** The log's own directory (etcd's walDir); created when missing. */
  readonly dir: string;
  /** Byte budget of the cache of recent entries. Default `cacheBytesDefault` (8 MiB). */
  readonly cacheBytesMax?: number;
  /** Quota of stored bytes; a write past it fails `FULL`. Default `logBytesDefault` (8 GiB). */
  readonly logBytesMax?: number;
  /** Writes allowed to wait for the next transaction. Default `pendingOpsDefault` (4096). */
  readonly pendingOpsMax?: number;
  /**
   * Never flush to disk. A crash of the machine (not only of the process) may then lose or
   * damage acknowledged writes. For tests only.
   */
  readonly unsafeNoSync?: boolean;
}

interface Pending {
  readonly op: WalOp;
  readonly resolve: (result: Snapshot | undefined) => void;
  readonly reject: (e: unknown) => void;
}

/** The LMDB writes of one batch, computed before the transaction starts. */
interface BatchWrites {
  readonly deletes: readonly (readonly [number, number])[];
  /** Entries written, and their records at the same positions. */
  readonly puts: readonly Entry[];
  readonly records: readonly Uint8Array[];
  readonly meta: readonly (readonly [Buffer, Buffer])[];
  readonly logBytes: number;
  readonly snapshotBytes: number;
}

/**
 * raft-core's `Storage`, durable in an LMDB environment of its own.
 *
 * Contracts: reads are synchronous and see only durable state. `save`, `createSnapshot` and
 * `compactLog` resolve only once their data is flushed to disk; writes queued while a batch is
 * being built go into one transaction (group commit), in call order. A write that fails its
 * checks is rejected alone; a batch whose transaction fails rejects all of its writes and
 * leaves the log as it was. The transaction runs on the calling thread (`transactionSync`),
 * so the event loop waits for the disk flush: measured faster than LMDB's write thread.
 *
 * @example
 * ```ts
 * const log = RaftLog.open({ dir: '/var/lib/keel/member/wal' });
 * const { hardState, confState } = log.initialState();
 * await log.save({ entries: rd.entries, hardState: rd.hardState, snapshot: rd.snapshot });
 * const ents = log.entries(log.firstIndex(), log.lastIndex() + 1, 1 << 20);
 * await log.createSnapshot({ index: applied, data: new Uint8Array(0) });
 * await log.compactLog(applied);
 * await log.close();
 * ```
 */
export class RaftLog implements Storage {
  private state: LogState;
  private logBytes: number;
  private snapshotBytes: number;
  private rangeStored: boolean;
  private transactions = 0;
  private writes = 0;
  private pending: Pending[] = [];
  private flushScheduled: NodeJS.Immediate | undefined;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly env: WalEnv,
    private readonly cache: EntryCache,
    private readonly limits: { readonly logBytesMax: number; readonly pendingOpsMax: number },
  ) {
    const loaded = loadLog(env, cache);
    this.state = loaded.state;
    this.logBytes = loaded.entryBytes + loaded.snapshotBytes;
    this.snapshotBytes = loaded.snapshotBytes;
    this.rangeStored = loaded.rangeStored;
  }

  /**
   * Opens the log in `options.dir`, creating it when missing, and verifies every stored record.
   * @throws WalError `CORRUPT` naming the first damaged index or record.
   */
  static open(options: RaftLogOptions): RaftLog {
    const cacheBytesMax = options.cacheBytesMax ?? cacheBytesDefault;
    const logBytesMax = options.logBytesMax ?? logBytesDefault;
    const pendingOpsMax = options.pendingOpsMax ?? pendingOpsDefault;
    assert(typeof options.dir === 'string' && options.dir !== '', 'dir must be a path');
    assert(Number.isSafeInteger(cacheBytesMax) && cacheBytesMax >= 0, 'cacheBytesMax < 0');
    assert(cacheBytesMax <= cacheBytesCap, 'cacheBytesMax is past its cap');
    assert(Number.isSafeInteger(logBytesMax) && logBytesMax > 0, 'logBytesMax must be > 0');
    assert(logBytesMax <= logBytesCap, 'logBytesMax is past its cap');
    assert(Number.isSafeInteger(pendingOpsMax) && pendingOpsMax > 0, 'pendingOpsMax <= 0');
    assert(pendingOpsMax <= pendingOpsCap, 'pendingOpsMax is past its cap');
    mkdirSync(options.dir, { recursive: true });
    const env = openWalEnv(join(options.dir, dataFileName), options.unsafeNoSync === true);
    try {
      return new RaftLog(env, new EntryCache(cacheBytesMax), { logBytesMax, pendingOpsMax });
    } catch (e) {
      // Do not leave the environment open behind a failed open; the error is what matters.
      void env.root.close().catch(() => undefined);
      throw e;
    }
  }

  /** The durable HardState and the ConfState of the stored snapshot. @throws `CLOSED`. */
  initialState(): { readonly hardState: HardState; readonly confState: ConfState } {
    this.checkOpen();
    return { hardState: this.state.hardState, confState: this.state.snapshot.metadata.confState };
  }

  /**
   * Durable entries in `[lo, hi)`: at least one when the range is not empty, then no more than
   * `maxSizeBytes` by `entrySizeBytes`.
   * @throws StorageError `COMPACTED` when `lo <= ` the log start, `UNAVAILABLE` when `hi` is past
   * `lastIndex() + 1`; WalError `CORRUPT` naming a damaged index, `CLOSED`.
   */
  entries(lo: number, hi: number, maxSizeBytes: number): readonly Entry[] {
    this.checkOpen();
    assert(lo <= hi, `entries: lo ${String(lo)} > hi ${String(hi)}`);
    const { start, lastIndex } = this.state;
    if (lo <= start.index) throw new StorageError({ code: 'COMPACTED' });
    if (hi > lastIndex + 1) {
      throw new StorageError({
        code: 'UNAVAILABLE',
        message: `entries [${String(lo)}, ${String(hi)}) past last index ${String(lastIndex)}`,
      });
    }
    const out: Entry[] = [];
    let sizeBytes = 0;
    const add = (e: Entry): boolean => {
      sizeBytes += entrySizeBytes(e);
      if (out.length > 0 && sizeBytes > maxSizeBytes) return false;
      out.push(e);
      return true;
    };
    const cacheLo = this.cacheLo();
    if (lo < cacheLo) {
      const range = { lo, hi: Math.min(hi, cacheLo) };
      if (!readEntryRecords(this.env.entries, range, add)) return out;
    }
    for (let i = Math.max(lo, cacheLo); i < hi; i++) {
      const e = this.cache.get(i);
      if (e === undefined) assert(false, `cache lost entry ${String(i)}`);
      if (!add(e)) break;
    }
    return out;
  }

  /**
   * The term of the entry at `index`, for `firstIndex() - 1 <= index <= lastIndex()`.
   * @throws StorageError `COMPACTED` / `UNAVAILABLE` outside it; WalError `CORRUPT`, `CLOSED`.
   */
  term(index: number): number {
    this.checkOpen();
    const { start, lastIndex } = this.state;
    if (index < start.index) throw new StorageError({ code: 'COMPACTED' });
    if (index > lastIndex) throw new StorageError({ code: 'UNAVAILABLE' });
    return index === start.index ? start.term : this.durableTerm(index);
  }

  /** The first index available: the log start + 1. @throws WalError `CLOSED`. */
  firstIndex(): number {
    this.checkOpen();
    return this.state.start.index + 1;
  }

  /** The last durable index (the log start when the log is empty). @throws WalError `CLOSED`. */
  lastIndex(): number {
    this.checkOpen();
    return this.state.lastIndex;
  }

  /** The durable snapshot (metadata, ConfState and data). @throws WalError `CLOSED`. */
  snapshot(): Snapshot {
    this.checkOpen();
    return this.state.snapshot;
  }

  /** Bytes stored, as counted against `logBytesMax`: entry records plus the snapshot record. */
  sizeBytes(): number {
    return this.logBytes;
  }

  /**
   * Counters of the write path since open: LMDB transactions made durable and the writes
   * (`save`, `createSnapshot`, `compactLog` calls) they carried; `writes / transactions` is the
   * group-commit factor.
   */
  writeStats(): { readonly transactions: number; readonly writes: number } {
    return { transactions: this.transactions, writes: this.writes };
  }

  /** Bytes held by the cache of recent entries, by `entrySizeBytes`. */
  cacheSizeBytes(): number {
    return this.cache.sizeBytes();
  }

  /**
   * Persists a Ready: applies `snapshot` (replacing the whole log), appends `entries`
   * (truncating any conflicting suffix; already compacted ones are skipped) and stores
   * `hardState`, in one transaction with the other writes of its batch. Resolves once durable.
   * @throws (rejects) StorageError `SNAPSHOT_OUT_OF_DATE` when `snapshot` is not newer than the
   * stored one; WalError `FULL` (nothing written), `OVERLOADED`, `CLOSED`.
   */
  save(request: SaveRequest): Promise<void> {
    if (request.entries !== undefined) v.assertValidEntries(request.entries);
    if (request.hardState !== undefined) v.assertValidHardState(request.hardState);
    if (request.snapshot !== undefined) v.assertValidSnapshot(request.snapshot);
    return this.enqueue({ kind: 'save', request }).then(() => undefined);
  }

  /**
   * Records a snapshot of the application at `index` (which must be in the log, past the stored
   * snapshot) and resolves with it once durable. Entries are kept: call `compactLog` to drop them.
   * @throws (rejects) StorageError `SNAPSHOT_OUT_OF_DATE`, `COMPACTED` when `index` was compacted;
   * WalError `FULL`, `OVERLOADED`, `CLOSED`.
   */
  async createSnapshot(request: CreateSnapshotRequest): Promise<Snapshot> {
    v.assertValidIndex(request.index, 'snapshot index');
    if (request.confState !== undefined) v.assertValidConfState(request.confState);
    assert(request.data instanceof Uint8Array, 'snapshot data is not bytes');
    const snap = await this.enqueue({ kind: 'createSnapshot', request });
    assert(snap !== undefined, 'createSnapshot produced no snapshot');
    return snap;
  }

  /**
   * Drops the entries up to and including `index`, keeping its term as the log start's, and
   * resolves once durable. The application must have applied them.
   * @throws (rejects) StorageError `COMPACTED` when `index` is already compacted; WalError
   * `FULL`, `OVERLOADED`, `CLOSED`.
   */
  compactLog(index: number): Promise<void> {
    v.assertValidIndex(index, 'compact index');
    return this.enqueue({ kind: 'compact', index }).then(() => undefined);
  }

  /**
   * Closes the log: writes not yet in a transaction are rejected with `CLOSED`, then LMDB is
   * closed. Idempotent; every later call fails `CLOSED`.
   */
  close(): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    if (this.flushScheduled !== undefined) clearImmediate(this.flushScheduled);
    this.flushScheduled = undefined;
    const pending = this.pending;
    this.pending = [];
    for (const p of pending) p.reject(new WalError({ code: 'CLOSED', message: 'log closed' }));
    this.closing = this.env.root.close();
    return this.closing;
  }

  private checkOpen(): void {
    if (this.closing !== undefined) throw new WalError({ code: 'CLOSED' });
  }

  /** The first index served from the cache; `lastIndex + 1` when nothing is cached. */
  private cacheLo(): number {
    const lo = this.cache.loIndex();
    if (lo === this.cache.hiIndex()) return this.state.lastIndex + 1;
    assert(this.cache.hiIndex() === this.state.lastIndex + 1, 'cache must end at the last index');
    return lo;
  }

  private durableTerm(index: number): number {
    const cached = this.cache.get(index);
    if (cached !== undefined) return cached.term;
    let term = -1;
    readEntryRecords(this.env.entries, { lo: index, hi: index + 1 }, (e) => {
      term = e.term;
      return false;
    });
    assert(term >= 1, `no term read for ${String(index)}`);
    return term;
  }

  private enqueue(op: WalOp): Promise<Snapshot | undefined> {
    if (this.closing !== undefined) {
      return Promise.reject(new WalError({ code: 'CLOSED', message: 'log closed' }));
    }
    if (this.pending.length >= this.limits.pendingOpsMax) {
      const message = `${String(this.pending.length)} writes already wait for the disk`;
      return Promise.reject(new WalError({ code: 'OVERLOADED', message }));
    }
    return new Promise((resolve, reject) => {
      this.pending.push({ op, resolve, reject });
      // setImmediate, not a microtask: writes arriving from other I/O callbacks of this turn
      // join the batch too.
      this.flushScheduled ??= setImmediate(() => {
        this.flush();
      });
    });
  }

  private flush(): void {
    this.flushScheduled = undefined;
    const batch = this.pending;
    this.pending = [];
    const plan = new LogPlan(this.state, (i) => this.durableTerm(i));
    const accepted: { readonly p: Pending; readonly result: Snapshot | undefined }[] = [];
    for (const p of batch) {
      try {
        accepted.push({ p, result: plan.apply(p.op) });
      } catch (e) {
        p.reject(e);
      }
    }
    if (accepted.length === 0) return;
    try {
      this.persist(plan);
    } catch (e) {
      const err = isFullError(e) ? new WalError({ code: 'FULL', cause: e }) : e;
      for (const a of accepted) a.p.reject(err);
      return;
    }
    this.transactions++;
    this.writes += accepted.length;
    for (const a of accepted) a.p.resolve(a.result);
  }

  private persist(plan: LogPlan): void {
    const writes = this.planWrites(plan);
    if (writes.logBytes > this.limits.logBytesMax && writes.logBytes > this.logBytes) {
      throw new WalError({
        code: 'FULL',
        message: `log would hold ${String(writes.logBytes)} bytes, quota is ${String(this.limits.logBytesMax)}`,
      });
    }
    const { entries, meta, root } = this.env;
    root.transactionSync(() => {
      for (const [lo, hi] of writes.deletes) {
        for (let i = lo; i < hi; i++) entries.removeSync(encodeIndexKey(i));
      }
      // Entries past the durable end go after the greatest key: MDB_APPEND skips the B-tree
      // search and fills pages instead of splitting them (LMDB refuses it if a key is not
      // greater, so a stale key past the end fails the transaction instead of hiding).
      const appendFrom = this.state.lastIndex + 1;
      const key = encodeIndexKey(0);
      for (let k = 0; k < writes.puts.length; k++) {
        const index = (writes.puts[k] as Entry).index;
        const record = writes.records[k] as Uint8Array;
        writeIndexKey(key, index);
        if (index >= appendFrom) entries.putSync(key, record, appendOnly);
        else entries.putSync(key, record);
      }
      for (const [key, value] of writes.meta) meta.putSync(key, value);
    });
    this.adopt(plan, writes);
  }

  private planWrites(plan: LogPlan): BatchWrites {
    const old = this.state;
    const [oldLo, oldHi] = [old.start.index + 1, old.lastIndex + 1];
    const [keepLo, keepHi] = [plan.start.index + 1, plan.lastIndex + 1];
    const deletes: [number, number][] = [];
    if (oldLo < Math.min(oldHi, keepLo)) deletes.push([oldLo, Math.min(oldHi, keepLo)]);
    if (Math.max(oldLo, keepHi) < oldHi) deletes.push([Math.max(oldLo, keepHi), oldHi]);
    let logBytes = this.logBytes;
    for (const [lo, hi] of deletes) for (let i = lo; i < hi; i++) logBytes -= this.recordBytes(i);
    // The cache keeps the caller's entries: raft hands out entries as immutable (readonly).
    const puts = plan.run;
    const records = encodeEntryRecords(puts);
    for (let k = 0; k < puts.length; k++) {
      const index = (puts[k] as Entry).index;
      if (index >= oldLo && index < oldHi) logBytes -= this.recordBytes(index);
      logBytes += (records[k] as Uint8Array).byteLength;
    }
    const meta: [Buffer, Buffer][] = [];
    let snapshotBytes = this.snapshotBytes;
    if (plan.snapshotChanged) {
      const record = encodeSnapshot(plan.snapshot);
      logBytes += record.byteLength - snapshotBytes;
      snapshotBytes = record.byteLength;
      meta.push([metaKeys.snapshot, record]);
    }
    if (plan.hardStateChanged) meta.push([metaKeys.hardState, encodeHardState(plan.hardState)]);
    if (plan.startChanged || plan.lastIndex !== old.lastIndex || !this.rangeStored) {
      const range = { start: plan.start, lastIndex: plan.lastIndex };
      meta.push([metaKeys.logRange, encodeLogRange(range)]);
    }
    return { deletes, puts, records, meta, logBytes, snapshotBytes };
  }

  /** The stored bytes of the durable record at `index` (which is in the log). */
  private recordBytes(index: number): number {
    const cached = this.cache.get(index);
    if (cached !== undefined) return entryRecordHeaderBytes + cached.data.byteLength;
    let bytes = 0;
    readEntryRecords(this.env.entries, { lo: index, hi: index + 1 }, (_, n) => {
      bytes = n;
      return false;
    });
    return bytes;
  }

  /** Makes the written batch the durable state, and brings the cache up to date. */
  private adopt(plan: LogPlan, writes: BatchWrites): void {
    const old = this.state;
    this.state = {
      start: plan.start,
      lastIndex: plan.lastIndex,
      hardState: plan.hardState,
      snapshot: plan.snapshot,
    };
    this.logBytes = writes.logBytes;
    this.snapshotBytes = writes.snapshotBytes;
    this.rangeStored = true;
    const firstPut = writes.puts[0]?.index ?? plan.lastIndex + 1;
    this.cache.truncateFrom(Math.min(old.lastIndex + 1, plan.lastIndex + 1, firstPut));
    this.cache.dropBefore(plan.start.index + 1);
    if (this.cache.loIndex() !== this.cache.hiIndex() && this.cache.hiIndex() !== firstPut) {
      this.cache.dropBefore(firstPut);
    }
    this.cache.append(writes.puts);
    if (this.cache.loIndex() !== this.cache.hiIndex()) {
      assert(this.cache.hiIndex() === plan.lastIndex + 1, 'cache must end at the last index');
    }
  }
}
