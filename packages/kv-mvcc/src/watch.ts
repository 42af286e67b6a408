// Watchers: live events after each commit, catch-up from the rev table for a watcher behind the
// current revision, and a bounded buffer for a paused (slow) watcher that, when full, turns the
// watcher back into one that catches up from history, so no event is ever dropped silently. This
// follows etcd's watchableStore (synced / unsynced / victim watchers), in-process.
import { assert } from './assert.js';
import {
  decodeRevKey,
  decodeRevRecord,
  intervalContains,
  keyInterval,
  revKey,
} from './encoding.js';
import type { KeyInterval } from './encoding.js';
import { MvccError } from './errors.js';
import { checkKey, rangeKeys } from './kv-read.js';
import type { Change } from './kv-write.js';
import { watchBufferEventsMax, watchCatchUpRevisionsMax, watchersMax } from './limits.js';
import type { Tables } from './tables.js';
import type { Event, KeyValue, WatchCreateRequest, WatchResponse } from './types.js';

/** What watchers read from the store. */
export interface WatchSource {
  /** The store's tables now (a defragmentation switches them). */
  tables(): Tables;
  current(): number;
  compacted(): number;
}

/** A watcher's handle. `pause`/`resume` give backpressure; `cancel` ends it (idempotent). */
export interface WatchHandle {
  readonly watchId: number;
  /** Stops delivery; events buffer (within `watchBufferEventsMax`) or are re-read later. */
  pause(): void;
  /** Resumes delivery: buffered events first, then catch-up from history. */
  resume(): void;
  /** Sends a progress notification now if the watcher has delivered everything. */
  requestProgress(): void;
  /** Removes the watcher; no response follows. */
  cancel(): void;
}

interface Watcher {
  readonly id: number;
  readonly iv: KeyInterval;
  readonly noPut: boolean;
  readonly noDelete: boolean;
  readonly prevKv: boolean;
  readonly progressNotify: boolean;
  readonly onResponse: (r: WatchResponse) => void;
  /** Invariant: every event below nextRev was delivered or is in `buffer`. */
  nextRev: number;
  synced: boolean;
  paused: boolean;
  buffer: WatchResponse[];
  bufferedEvents: number;
}

const emptyValue = new Uint8Array(0);

function response(w: Watcher, revision: number, extra: Partial<WatchResponse>): WatchResponse {
  return {
    watchId: w.id,
    created: false,
    canceled: false,
    compactRevision: 0,
    cancelReason: '',
    fragment: false,
    events: [],
    revision,
    ...extra,
  };
}

/** The set of watchers of one store. */
export class WatchHub {
  private readonly watchers = new Map<number, Watcher>();
  private nextId = 0;
  private scheduled: NodeJS.Immediate | undefined;
  private closed = false;

  constructor(private readonly source: WatchSource) {}

  /** Number of open watchers. */
  get size(): number {
    return this.watchers.size;
  }

  /**
   * Creates a watcher; `onResponse` first gets the `created` response, synchronously.
   * @throws MvccError EMPTY_KEY, INVALID_ARGUMENT
   */
  create(req: WatchCreateRequest, onResponse: (r: WatchResponse) => void): WatchHandle {
    checkKey(req.key);
    const start = req.startRevision ?? 0;
    if (!Number.isSafeInteger(start) || start < 0) {
      throw new MvccError({ code: 'INVALID_ARGUMENT', message: 'start revision must be >= 0' });
    }
    if (this.watchers.size >= watchersMax) {
      throw new MvccError({ code: 'INVALID_ARGUMENT', message: 'too many watchers' });
    }
    const id = this.chooseId(req.watchId ?? 0);
    const current = this.source.current();
    const filters = req.filters ?? [];
    const w: Watcher = {
      id,
      iv: keyInterval(req.key, req.rangeEnd),
      noPut: filters.includes('NOPUT'),
      noDelete: filters.includes('NODELETE'),
      prevKv: req.prevKv === true,
      progressNotify: req.progressNotify === true,
      onResponse,
      nextRev: start === 0 ? current + 1 : start,
      synced: true,
      paused: false,
      buffer: [],
      bufferedEvents: 0,
    };
    this.watchers.set(id, w);
    onResponse(response(w, current, { created: true }));
    if (w.nextRev <= current) {
      w.synced = false;
      this.catchUp(w); // the first batch now, the rest from the event loop
    }
    return this.handle(w);
  }

  private chooseId(asked: number): number {
    if (asked !== 0) {
      if (!Number.isSafeInteger(asked) || asked < 0 || this.watchers.has(asked)) {
        throw new MvccError({ code: 'INVALID_ARGUMENT', message: 'watch ID already in use' });
      }
      return asked;
    }
    // Bounded: at most watchersMax IDs are taken.
    while (this.watchers.has(this.nextId)) this.nextId++;
    return this.nextId++;
  }

  private handle(w: Watcher): WatchHandle {
    return {
      watchId: w.id,
      pause: () => {
        w.paused = true;
      },
      resume: () => {
        w.paused = false;
        this.flush(w);
        if (!w.synced) this.schedule();
      },
      requestProgress: () => {
        this.maybeSendProgress(w);
      },
      cancel: () => {
        this.watchers.delete(w.id);
      },
    };
  }

  /** Sends progress notifications to the watchers that asked for them (or to all). */
  notifyProgress(all: boolean): void {
    for (const w of this.sorted()) if (all || w.progressNotify) this.maybeSendProgress(w);
  }

  private maybeSendProgress(w: Watcher): boolean {
    if (!w.synced || w.paused || w.buffer.length > 0 || !this.watchers.has(w.id)) return false;
    w.onResponse(response(w, this.source.current(), {}));
    return true;
  }

  /** The watchers in creation order (a copy: callbacks may cancel watchers meanwhile). */
  private sorted(): Watcher[] {
    return [...this.watchers.values()];
  }

  /** Delivers the changes of one committed revision to synced watchers. */
  notify(changes: readonly Change[]): void {
    const first = changes[0];
    if (first === undefined || this.watchers.size === 0) return;
    const rev = first.main;
    for (const w of this.sorted()) {
      if (!w.synced || rev < w.nextRev) continue;
      assert(rev === w.nextRev, 'a synced watcher gets every revision in order');
      const events = this.eventsFor(w, changes);
      w.nextRev = rev + 1;
      if (events.length > 0) this.offer(w, response(w, rev, { events }));
    }
  }

  private offer(w: Watcher, r: WatchResponse): void {
    if (!w.paused && w.buffer.length === 0) {
      w.onResponse(r);
      return;
    }
    if (w.bufferedEvents + r.events.length <= watchBufferEventsMax) {
      w.buffer.push(r);
      w.bufferedEvents += r.events.length;
      return;
    }
    // Full: forget this response and re-read it from history once the buffer drains.
    const firstEvent = r.events[0];
    assert(firstEvent !== undefined, 'offered responses carry events');
    w.synced = false;
    w.nextRev = firstEvent.kv.modRevision;
  }

  private flush(w: Watcher): void {
    while (!w.paused && w.buffer.length > 0 && this.watchers.has(w.id)) {
      const r = w.buffer.shift();
      assert(r !== undefined, 'buffer is not empty');
      w.bufferedEvents -= r.events.length;
      w.onResponse(r);
    }
  }

  private eventsFor(w: Watcher, changes: readonly Change[]): Event[] {
    const events: Event[] = [];
    for (const c of changes) {
      if (!intervalContains(w.iv, c.record.key)) continue;
      if (c.record.tombstone ? w.noDelete : w.noPut) continue;
      events.push(this.toEvent(w, c));
    }
    return events;
  }

  private toEvent(w: Watcher, c: Change): Event {
    const r = c.record;
    const kv: KeyValue = r.tombstone
      ? {
          key: r.key,
          createRevision: 0,
          modRevision: c.main,
          version: 0,
          value: emptyValue,
          lease: 0,
        }
      : {
          key: r.key,
          createRevision: r.createRevision,
          modRevision: c.main,
          version: r.version,
          value: r.value,
          lease: r.lease,
        };
    const type = r.tombstone ? 'DELETE' : 'PUT';
    if (!w.prevKv) return { type, kv };
    const view = { tables: this.source.tables(), current: c.main - 1, compacted: 0 };
    const prev = rangeKeys(view, {
      iv: keyInterval(r.key, undefined),
      at: c.main - 1,
      limit: 1,
      countOnly: false,
    });
    return { type, kv, prevKv: prev.kvs[0] };
  }

  private catchUp(w: Watcher): void {
    this.flush(w);
    if (w.paused || w.synced || w.buffer.length > 0 || !this.watchers.has(w.id)) return;
    const current = this.source.current();
    const compacted = this.source.compacted();
    if (w.nextRev < compacted) {
      // As etcd: a start below the compacted revision cancels the watch with that revision.
      this.watchers.delete(w.id);
      w.onResponse(response(w, current, { canceled: true, compactRevision: compacted }));
      return;
    }
    const upper = Math.min(current, w.nextRev + watchCatchUpRevisionsMax - 1);
    const changes = this.readChanges(w.nextRev, upper, compacted);
    const events = this.eventsFor(w, changes);
    w.nextRev = upper + 1;
    w.synced = w.nextRev > current;
    if (events.length > 0) w.onResponse(response(w, current, { events }));
    if (!w.synced) this.schedule();
  }

  private readChanges(lo: number, hi: number, compacted: number): Change[] {
    const changes: Change[] = [];
    const rows = this.source
      .tables()
      .rev.getRange({ start: revKey(lo, 0), end: revKey(hi + 1, 0) });
    for (const { key, value } of rows) {
      const { main, sub } = decodeRevKey(key);
      const record = decodeRevRecord(value, main);
      // Tombstones at the compacted revision itself may already be removed; skipping them always
      // keeps what every member delivers the same.
      if (main === compacted && record.tombstone) continue;
      changes.push({ main, sub, record });
    }
    return changes;
  }

  private schedule(): void {
    if (this.scheduled !== undefined || this.closed) return;
    this.scheduled = setImmediate(() => {
      this.scheduled = undefined;
      for (const w of this.sorted()) if (!w.synced || w.buffer.length > 0) this.catchUp(w);
    });
  }

  /**
   * The store's state was replaced (a snapshot installed): every watcher catches up from its
   * next revision by reading the new state's history, as etcd's restore moves synced watchers to
   * unsynced.
   */
  resync(): void {
    const current = this.source.current();
    for (const w of this.watchers.values()) if (w.nextRev <= current) w.synced = false;
    this.schedule();
  }

  /** Drops every watcher and stops scheduled catch-up. */
  close(): void {
    this.closed = true;
    if (this.scheduled !== undefined) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    this.watchers.clear();
  }
}
