// etcd's Watch service: one bidirectional stream carries many watchers, each a backend watch
// (kv-mvcc's semantics) under a watch ID local to the stream, as etcd numbers them. Flow
// control follows etcd's slow-watcher handling: when the client stops reading (grpc-js's write
// buffer is full) every watcher of the stream is paused, and the backend buffers or later
// re-reads history, so no event is lost and memory stays bounded; watchStreamPendingBytesMax is
// a last bound for responses that still arrive while paused.
import type { Event, WatchFilter, WatchHandle, WatchResponse } from '@keel/kv-mvcc';
import { bytesOf, encodeKeyValue, headerOf, type PbBytes } from '../codec-kv.js';
import { duplex, type DuplexCall } from '../stream-method.js';
import type { ServiceMethods } from '../grpc-method.js';
import { malformedStatus, toStatusObject, type Inbound } from '../unary-method.js';
import { int64ToNumber, type Int64Field } from '../int64.js';
import { watchesPerStreamMax, watchStreamPendingBytesMax } from '../limits.js';
import { etcdStatuses, toEtcdStatus } from '../status.js';
import type { ServiceContext } from './context.js';

/** A decoded etcdserverpb.WatchCreateRequest. */
interface PbWatchCreate {
  key: PbBytes;
  rangeEnd: PbBytes;
  startRevision: Int64Field;
  progressNotify: boolean;
  filters: number[];
  prevKv: boolean;
  watchId: Int64Field;
  fragment: boolean;
}

/** A decoded etcdserverpb.WatchRequest. */
interface PbWatchRequest {
  createRequest?: PbWatchCreate | null;
  cancelRequest?: { watchId: Int64Field } | null;
  progressRequest?: object | null;
}

const filterNames: readonly WatchFilter[] = ['NOPUT', 'NODELETE'];
/** etcd's watch ID for responses that belong to no single watcher. */
const invalidWatchId = -1;
/** A rough per-response and per-event overhead in bytes, for size estimates. */
const overheadBytes = 64;

interface Watcher {
  handle: WatchHandle | undefined;
  readonly fragment: boolean;
  readonly progressNotify: boolean;
}

function eventBytes(e: Event): number {
  const prev = e.prevKv === undefined ? 0 : e.prevKv.key.length + e.prevKv.value.length;
  return e.kv.key.length + e.kv.value.length + prev + overheadBytes;
}

function encodeEvent(e: Event): object {
  const out: Record<string, unknown> = { type: e.type === 'PUT' ? 0 : 1, kv: encodeKeyValue(e.kv) };
  if (e.prevKv !== undefined) out['prevKv'] = encodeKeyValue(e.prevKv);
  return out;
}

/**
 * Splits `events` into batches of about `limitBytes` at most (at least one event each), as etcd
 * fragments a large watch response for a watcher that asked for it.
 */
export function fragmentEvents(events: readonly Event[], limitBytes: number): Event[][] {
  const batches: Event[][] = [];
  let batch: Event[] = [];
  let batchBytes = 0;
  for (const e of events) {
    const size = eventBytes(e);
    if (batch.length > 0 && batchBytes + size > limitBytes) {
      batches.push(batch);
      batch = [];
      batchBytes = 0;
    }
    batch.push(e);
    batchBytes += size;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/** One Watch stream and its watchers. */
class WatchSession {
  readonly #ctx: ServiceContext;
  readonly #call: DuplexCall<PbWatchRequest>;
  readonly #watchers = new Map<number, Watcher>();
  readonly #timer: NodeJS.Timeout;
  #nextId = 0;
  #pendingBytes = 0;
  #paused = false;
  #closed = false;

  constructor(ctx: ServiceContext, call: DuplexCall<PbWatchRequest>) {
    this.#ctx = ctx;
    this.#call = call;
    this.#timer = setInterval(() => {
      this.#progressTick();
    }, ctx.watchProgressNotifyMs);
    this.#timer.unref();
    call.on('data', (inbound: Inbound<PbWatchRequest>) => {
      this.#handle(inbound);
    });
    call.on('drain', () => {
      this.#setPaused(false);
    });
    for (const event of ['end', 'cancelled', 'error']) {
      call.on(event, () => {
        this.#close(undefined);
      });
    }
  }

  #handle(inbound: Inbound<PbWatchRequest>): void {
    if (this.#closed) return;
    if (!inbound.ok) {
      this.#close(malformedStatus(inbound.reason));
      return;
    }
    const req = inbound.msg;
    try {
      if (req.createRequest) this.#create(req.createRequest);
      else if (req.cancelRequest)
        this.#cancel(int64ToNumber(req.cancelRequest.watchId, 'watch_id'));
      else if (req.progressRequest) this.#progressAll();
    } catch (e) {
      this.#close(toStatusObject(toEtcdStatus(e)));
    }
  }

  #send(msg: object, sizeBytes: number): void {
    if (this.#closed) return;
    this.#pendingBytes += sizeBytes;
    if (this.#pendingBytes > watchStreamPendingBytesMax) {
      // Still growing while paused: end the stream; etcd's clients re-create their watchers from
      // the last revision they saw, so nothing is lost.
      this.#close(toStatusObject(etcdStatuses.tooManyRequests));
      return;
    }
    const flushed = this.#call.write(msg, () => {
      this.#pendingBytes -= sizeBytes;
    });
    if (!flushed) this.#setPaused(true);
  }

  #setPaused(paused: boolean): void {
    if (this.#paused === paused || this.#closed) return;
    this.#paused = paused;
    for (const w of this.#watchers.values()) {
      if (paused) w.handle?.pause();
      else w.handle?.resume();
    }
  }

  #allocateId(requested: number): number | undefined {
    if (requested > 0) return this.#watchers.has(requested) ? undefined : requested;
    while (this.#watchers.has(this.#nextId)) this.#nextId++;
    return this.#nextId++;
  }

  #refuseCreate(reason: string): void {
    const msg = { header: headerOf(this.#ctx.backend), watchId: invalidWatchId, created: true };
    this.#send({ ...msg, canceled: true, cancelReason: reason }, reason.length + overheadBytes);
  }

  #create(pb: PbWatchCreate): void {
    const startRevision = int64ToNumber(pb.startRevision, 'start_revision');
    const id = this.#allocateId(int64ToNumber(pb.watchId, 'watch_id'));
    if (id === undefined) {
      this.#refuseCreate('mvcc: duplicate watch ID provided on the WatchStream');
      return;
    }
    if (this.#watchers.size >= watchesPerStreamMax) {
      this.#refuseCreate(
        `etcdserver: a watch stream holds at most ${watchesPerStreamMax} watchers`,
      );
      return;
    }
    // Registered before the backend call: the created response arrives synchronously inside it.
    const watcher: Watcher = {
      handle: undefined,
      fragment: pb.fragment,
      progressNotify: pb.progressNotify,
    };
    this.#watchers.set(id, watcher);
    const filters = pb.filters.map((f) => filterNames[f]).filter((f) => f !== undefined);
    try {
      watcher.handle = this.#ctx.backend.watch(
        {
          key: bytesOf(pb.key),
          rangeEnd: bytesOf(pb.rangeEnd),
          startRevision,
          prevKv: pb.prevKv,
          filters,
        },
        (r) => {
          this.#onResponse(id, r);
        },
      );
    } catch (e) {
      this.#watchers.delete(id);
      this.#refuseCreate(toEtcdStatus(e).details);
      return;
    }
    if (this.#paused) watcher.handle.pause();
    if (this.#watchers.get(id) !== watcher) watcher.handle.cancel();
  }

  #onResponse(id: number, r: WatchResponse): void {
    const w = this.#watchers.get(id);
    if (w === undefined) return;
    if (r.canceled) this.#watchers.delete(id);
    const header = headerOf(this.#ctx.backend, r.revision);
    const base = { header, watchId: id, created: r.created, canceled: r.canceled };
    // etcd leaves the reason empty for a compacted watch (its Go client reads compactRevision);
    // clients that only show the reason, like the etcd3 npm package, get etcd's description.
    const reason =
      r.compactRevision > 0 && r.cancelReason === ''
        ? etcdStatuses.compacted.details
        : r.cancelReason;
    const status = { compactRevision: r.compactRevision, cancelReason: reason };
    if (r.events.length === 0) {
      this.#send({ ...base, ...status }, overheadBytes + reason.length);
      return;
    }
    const batches = w.fragment ? fragmentEvents(r.events, this.#ctx.maxRequestBytes) : [r.events];
    batches.forEach((batch, i) => {
      const fragment = i < batches.length - 1;
      const size = batch.reduce((n, e) => n + eventBytes(e), overheadBytes);
      this.#send({ ...base, ...status, events: batch.map(encodeEvent), fragment }, size);
    });
  }

  #cancel(id: number): void {
    const w = this.#watchers.get(id);
    // etcd ignores a cancel for a watch ID the stream does not hold.
    if (w === undefined) return;
    this.#watchers.delete(id);
    w.handle?.cancel();
    const header = headerOf(this.#ctx.backend);
    this.#send({ header, watchId: id, canceled: true }, overheadBytes);
  }

  /** etcd's WatchProgressRequest: every watcher that is up to date reports its revision. */
  #progressAll(): void {
    if (this.#watchers.size === 0) {
      this.#send({ header: headerOf(this.#ctx.backend), watchId: invalidWatchId }, overheadBytes);
      return;
    }
    for (const w of this.#watchers.values()) w.handle?.requestProgress();
  }

  #progressTick(): void {
    for (const w of this.#watchers.values()) if (w.progressNotify) w.handle?.requestProgress();
  }

  /** Cancels every watcher and ends the stream, with `status` or OK. Idempotent. */
  #close(status: object | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    for (const w of this.#watchers.values()) w.handle?.cancel();
    this.#watchers.clear();
    if (status === undefined) this.#call.end();
    else this.#call.emit('error', status);
  }
}

/** The Watch service's handler over `ctx.backend`. */
export function watchService(ctx: ServiceContext): ServiceMethods {
  return {
    Watch: duplex<PbWatchRequest>(ctx.gate, (call) => {
      new WatchSession(ctx, call);
    }),
  };
}
