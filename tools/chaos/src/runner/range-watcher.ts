// A watcher of one key range that follows the cluster through faults. Each gRPC watch stream is
// one segment: it starts at a revision, owes every event of the range from there on, and ends
// when the stream breaks (its member was killed, or the stream errored). The next segment starts
// on the next member at the revision after the last event seen, so segments together cover the
// whole run and the watch checker judges each one on its own window.
//
// The `etcd3` package's own Watcher is not used: on a reconnect it resumes after the *header*
// revision of the last response, which can be past events the stream had not delivered yet, so
// a gap could come from the client library rather than the server.
import type { Etcd3, IWatchResponse } from 'etcd3';
import type { WatchEvent, WatcherLog } from '../watch-checker.js';
import { sleep } from './clients.js';

interface Segment {
  readonly watcherId: string;
  readonly startRevision: number;
  readonly events: WatchEvent[];
  throughRevision?: number;
}

/** The end of a prefix range: the prefix with its last byte incremented. */
export function prefixEnd(prefix: string): Buffer {
  const end = Buffer.from(prefix);
  const last = end.length - 1;
  end[last] = (end[last] ?? 0) + 1;
  return end;
}

function toEvent(e: NonNullable<IWatchResponse['events']>[number]): WatchEvent {
  const type = e.type.toLowerCase() === 'delete' ? 'delete' : 'put';
  const base = { revision: Number(e.kv.mod_revision), key: e.kv.key.toString(), type } as const;
  return type === 'put' ? { ...base, value: e.kv.value.toString() } : base;
}

/** Follows one key range over the members' clients, segment after segment. */
export class RangeWatcher {
  readonly #id: string;
  readonly #prefix: string;
  readonly #clients: readonly Etcd3[];
  readonly #segments: Segment[] = [];
  #member: number;
  #lastRevision: number;
  #stream: { cancel(): void } | undefined;
  #stopped = false;
  #running: Promise<void> | undefined;
  /** Stream breaks and cancellations seen, for the summary. */
  restarts = 0;

  constructor(opts: { id: string; prefix: string; clients: readonly Etcd3[]; member: number }) {
    this.#id = opts.id;
    this.#prefix = opts.prefix;
    this.#clients = opts.clients;
    this.#member = opts.member % opts.clients.length;
    this.#lastRevision = 0;
  }

  /** The revision of the last event received (0: none yet). */
  get lastRevision(): number {
    return this.#lastRevision;
  }

  /** Starts following from revision 1 (the whole history of the range). */
  start(): void {
    this.#running = this.#follow();
  }

  async #follow(): Promise<void> {
    // Bounded by stop(): each turn is one stream, which ends on an error or when stop() cancels it.
    while (!this.#isStopped()) {
      await this.#oneStream();
      if (this.#isStopped()) break;
      this.restarts++;
      this.#member = (this.#member + 1) % this.#clients.length;
      await sleep(200);
    }
  }

  #isStopped(): boolean {
    return this.#stopped;
  }

  async #oneStream(): Promise<void> {
    const client = this.#clients[this.#member];
    if (client === undefined) return;
    const segment: Segment = {
      watcherId: `${this.#id}.${this.#segments.length}`,
      startRevision: this.#lastRevision + 1,
      events: [],
    };
    this.#segments.push(segment);
    let stream;
    try {
      stream = await client.watchClient.watch();
    } catch {
      return;
    }
    this.#stream = stream;
    await new Promise<void>((resolve) => {
      stream.on('data', (res: IWatchResponse) => {
        for (const e of res.events) {
          const event = toEvent(e);
          segment.events.push(event);
          this.#lastRevision = Math.max(this.#lastRevision, event.revision);
        }
        if (res.canceled) resolve();
      });
      stream.on('error', () => {
        resolve();
      });
      stream.on('end', () => {
        resolve();
      });
      stream.write({
        create_request: {
          key: Buffer.from(this.#prefix),
          range_end: prefixEnd(this.#prefix),
          start_revision: String(segment.startRevision),
        },
      });
    });
    this.#stream = undefined;
    stream.cancel();
  }

  /** Resolves once an event at `revision` or later has arrived, or when `untilMs` passes. */
  async waitFor(revision: number, untilMs: number): Promise<boolean> {
    while (this.#lastRevision < revision && performance.now() < untilMs) await sleep(50);
    return this.#lastRevision >= revision;
  }

  /**
   * Stops following. When `throughRevision` is given, the current segment is known to have seen
   * every event of the range up to it (the caller checked it caught up).
   */
  async stop(throughRevision?: number): Promise<void> {
    this.#stopped = true;
    const current = this.#segments.at(-1);
    if (current !== undefined && throughRevision !== undefined)
      current.throughRevision = throughRevision;
    this.#stream?.cancel();
    await this.#running;
  }

  /** Every segment as the watch checker takes it; empty segments are left out. */
  logs(): WatcherLog[] {
    return this.#segments.filter((s) => s.events.length > 0 || s.throughRevision !== undefined);
  }
}
