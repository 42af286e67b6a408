// Bookkeeping of ReadIndex requests on the leader (Raft thesis §6.4, etcd's readOnly): each
// request remembers the commit index when it arrived and collects heartbeat acks carrying its
// context; once a quorum acked, it and every request queued before it can be answered.
import type { Message } from './types.js';

/** A pending read: the commit index at arrival, the request, and who acknowledged it. */
export interface ReadIndexStatus {
  readonly index: number;
  readonly req: Message;
  readonly acks: Map<number, boolean>;
}

/** How reads are confirmed: a heartbeat round (safe) or the leader's lease (leaseBased). */
export type ReadOnlyOption = 'safe' | 'leaseBased';

function key(ctx: Uint8Array): string {
  let s = '';
  for (const b of ctx) s += String.fromCharCode(b);
  return s;
}

/** The queue of pending ReadIndex requests, in arrival order. */
export class ReadOnly {
  private readonly pending = new Map<string, ReadIndexStatus>();
  private queue: string[] = [];

  constructor(readonly option: ReadOnlyOption) {}

  /** Queues `req` (its context must be unique among pending requests) at commit `index`. */
  addRequest(index: number, req: Message): void {
    const k = key(req.context);
    if (this.pending.has(k)) return;
    this.pending.set(k, { index, req, acks: new Map() });
    this.queue.push(k);
  }

  /** Records `id`'s ack of the request with `ctx`; returns the acks so far (undefined if none). */
  recvAck(id: number, ctx: Uint8Array): ReadonlyMap<number, boolean> | undefined {
    const rs = this.pending.get(key(ctx));
    if (rs === undefined) return undefined;
    rs.acks.set(id, true);
    return rs.acks;
  }

  /** Dequeues and returns the request with `ctx` and every request queued before it. */
  advance(ctx: Uint8Array): ReadIndexStatus[] {
    const k = key(ctx);
    const at = this.queue.indexOf(k);
    if (at < 0) return [];
    const done = this.queue.slice(0, at + 1);
    this.queue = this.queue.slice(at + 1);
    const out: ReadIndexStatus[] = [];
    for (const d of done) {
      const rs = this.pending.get(d);
      if (rs !== undefined) out.push(rs);
      this.pending.delete(d);
    }
    return out;
  }

  /** The context of the newest pending request, carried by heartbeats. */
  lastPendingRequestCtx(): Uint8Array | undefined {
    const last = this.queue[this.queue.length - 1];
    return last === undefined ? undefined : this.pending.get(last)?.req.context;
  }

  /** The number of pending requests. */
  pendingCount(): number {
    return this.queue.length;
  }
}
