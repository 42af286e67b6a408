// etcd's Watch service: one bidirectional stream carries many watchers. Each create is answered
// with a `created` response before any of its events; events go out in revision order with the
// revision they bring the watcher to; a watcher whose history was compacted is canceled with
// compact_revision set, which etcd's clients turn into ErrCompacted. Memory per stream is
// bounded by watchesPerStreamMax and watchStreamPendingBytesMax.
import type { ServerDuplexStream, UntypedServiceImplementation } from '@grpc/grpc-js';
import type { BackendWatch, Event } from '../backend.js';
import { encodeKeyValue, headerOf } from '../codec-kv.js';
import { duplex, malformedStatus, toStatusObject, type Inbound } from '../grpc-method.js';
import { int64ToNumber, type Int64Field } from '../int64.js';
import { watchesPerStreamMax, watchStreamPendingBytesMax } from '../limits.js';
import { etcdStatuses, toEtcdStatus } from '../status.js';
import type { ServiceContext } from './context.js';

/** A decoded etcdserverpb.WatchCreateRequest. */
interface PbWatchCreate {
  key: Uint8Array;
  rangeEnd: Uint8Array;
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

const FILTER_NOPUT = 0;
const FILTER_NODELETE = 1;
/** etcd's watch ID for responses that belong to no single watcher. */
const invalidWatchId = -1;
/** A rough per-event overhead in bytes (revisions, tags, lengths) for size estimates. */
const eventOverheadBytes = 64;

interface Watcher {
  readonly handle: BackendWatch;
  readonly noPut: boolean;
  readonly noDelete: boolean;
  readonly fragment: boolean;
  readonly progressNotify: boolean;
  /** Set when events were sent since the last progress tick. */
  sentSinceTick: boolean;
}

function eventBytes(e: Event): number {
  const prev = e.prevKv === undefined ? 0 : e.prevKv.key.length + e.prevKv.value.length;
  return e.kv.key.length + e.kv.value.length + prev + eventOverheadBytes;
}

function encodeEvent(e: Event): object {
  const out: Record<string, unknown> = { type: e.type === 'PUT' ? 0 : 1, kv: encodeKeyValue(e.kv) };
  if (e.prevKv !== undefined) out['prevKv'] = encodeKeyValue(e.prevKv);
  return out;
}

/**
 * Splits `events` into batches of at most `limitBytes` (at least one event each), as etcd
 * fragments a large watch response when the watcher asked for it.
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
  readonly #call: ServerDuplexStream<Inbound<PbWatchRequest>, object>;
  readonly #watchers = new Map<number, Watcher>();
  #nextId = 0;
  #pendingBytes = 0;
  #closed = false;
  readonly #timer: NodeJS.Timeout;

  constructor(ctx: ServiceContext, call: ServerDuplexStream<Inbound<PbWatchRequest>, object>) {
    this.#ctx = ctx;
    this.#call = call;
    this.#timer = setInterval(() => {
      this.#progressTick();
    }, ctx.watchProgressNotifyMs);
    this.#timer.unref();
    call.on('data', (inbound: Inbound<PbWatchRequest>) => {
      this.#handle(inbound);
    });
    call.on('end', () => {
      this.#close(undefined);
    });
    call.on('cancelled', () => {
      this.#close(undefined);
    });
    call.on('error', () => {
      this.#close(undefined);
    });
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

  #header(revision?: number): object {
    return headerOf(this.#ctx.backend, revision);
  }

  #send(msg: object, sizeBytes: number): void {
    if (this.#closed) return;
    this.#pendingBytes += sizeBytes;
    if (this.#pendingBytes > watchStreamPendingBytesMax) {
      // The client reads too slowly: end the stream; its watchers resume from their revision.
      this.#close(toStatusObject(etcdStatuses.tooManyRequests));
      return;
    }
    this.#call.write(msg, () => {
      this.#pendingBytes -= sizeBytes;
    });
  }

  #allocateId(requested: number): number | undefined {
    if (requested > 0) return this.#watchers.has(requested) ? undefined : requested;
    while (this.#watchers.has(this.#nextId)) this.#nextId++;
    return this.#nextId++;
  }

  #refuseCreate(reason: string): void {
    const msg = { header: this.#header(), watchId: invalidWatchId, created: true, canceled: true };
    this.#send({ ...msg, cancelReason: reason }, reason.length + eventOverheadBytes);
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
    // The created response goes first: the backend may deliver history synchronously.
    this.#send({ header: this.#header(), watchId: id, created: true }, eventOverheadBytes);
    const placeholder: BackendWatch = { cancel: () => undefined };
    const watcher: Watcher = {
      handle: placeholder,
      noPut: pb.filters.includes(FILTER_NOPUT),
      noDelete: pb.filters.includes(FILTER_NODELETE),
      fragment: pb.fragment,
      progressNotify: pb.progressNotify,
      sentSinceTick: false,
    };
    this.#watchers.set(id, watcher);
    const handle = this.#ctx.backend.watch(
      { key: pb.key, rangeEnd: pb.rangeEnd, startRevision, prevKv: pb.prevKv },
      {
        onEvents: (events, revision) => {
          this.#deliver(id, events, revision);
        },
        onCanceled: ({ compactRevision, message }) => {
          if (this.#watchers.delete(id)) this.#sendCanceled(id, compactRevision, message);
        },
      },
    );
    if (this.#watchers.get(id) === watcher) this.#watchers.set(id, { ...watcher, handle });
    else handle.cancel();
  }

  #deliver(id: number, events: readonly Event[], revision: number): void {
    const w = this.#watchers.get(id);
    if (w === undefined) return;
    const kept = events.filter((e) => !(e.type === 'PUT' ? w.noPut : w.noDelete));
    if (kept.length === 0) return;
    w.sentSinceTick = true;
    const batches = w.fragment ? fragmentEvents(kept, this.#ctx.maxRequestBytes) : [kept];
    const header = this.#header(revision);
    batches.forEach((batch, i) => {
      const fragment = i < batches.length - 1;
      const size = batch.reduce((n, e) => n + eventBytes(e), eventOverheadBytes);
      this.#send({ header, watchId: id, events: batch.map(encodeEvent), fragment }, size);
    });
  }

  #sendCanceled(id: number, compactRevision: number, reason: string): void {
    const msg = { header: this.#header(), watchId: id, canceled: true, compactRevision };
    this.#send({ ...msg, cancelReason: reason }, reason.length + eventOverheadBytes);
  }

  #cancel(id: number): void {
    const w = this.#watchers.get(id);
    // etcd ignores a cancel for a watch ID the stream does not hold.
    if (w === undefined) return;
    this.#watchers.delete(id);
    w.handle.cancel();
    this.#send({ header: this.#header(), watchId: id, canceled: true }, eventOverheadBytes);
  }

  #progressAll(): void {
    this.#send({ header: this.#header(), watchId: invalidWatchId }, eventOverheadBytes);
  }

  #progressTick(): void {
    for (const [id, w] of this.#watchers) {
      if (w.progressNotify && !w.sentSinceTick) {
        this.#send({ header: this.#header(), watchId: id }, eventOverheadBytes);
      }
      w.sentSinceTick = false;
    }
  }

  /** Cancels every watcher and ends the stream, with `status` or OK. Idempotent. */
  #close(status: object | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    for (const w of this.#watchers.values()) w.handle.cancel();
    this.#watchers.clear();
    if (status === undefined) this.#call.end();
    else this.#call.emit('error', status);
  }
}

/** The Watch service's handler over `ctx.backend`. */
export function watchService(ctx: ServiceContext): UntypedServiceImplementation {
  return {
    Watch: duplex<PbWatchRequest>(ctx.backend, (call) => {
      new WatchSession(ctx, call);
    }),
  };
}
