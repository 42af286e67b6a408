import { EmbedError } from './errors.js';

/** One change of the known leader, as seen by this member. */
export interface LeaderChange {
  /** The new leader; 0 when this member knows of none (the leader was lost). */
  readonly leaderId: number;
  /** The leader before the change; 0 when there was none. */
  readonly previousLeaderId: number;
  readonly term: number;
  /** Whether this member is the new leader. */
  readonly isLeader: boolean;
}

/** Context handed to leader-only work. */
export interface LeaderWorkContext {
  /** The term in which this member leads; the work's signal aborts when that term's leadership ends. */
  readonly term: number;
}

/** Leader-only work: it must stop promptly once `signal` aborts. */
export type LeaderWork = (signal: AbortSignal, context: LeaderWorkContext) => Promise<void>;

type Listener = (change: LeaderChange) => void;

/**
 * Tracks who leads, for the embedding program. The driver loop calls `observe` after each Ready
 * with Raft's soft state; everything else reads or subscribes. Unlike etcd's leader-change notify,
 * losing the leader is reported too (`leaderId: 0`).
 */
export class Leadership {
  readonly #memberId: number;
  readonly #listeners = new Set<Listener>();
  readonly #closed = new AbortController();
  #leaderId = 0;
  #term = 0;
  #leaderTerm?: AbortController;

  constructor(memberId: number) {
    this.#memberId = memberId;
  }

  /** The known leader, 0 when none. */
  get leaderId(): number {
    return this.#leaderId;
  }

  /** The latest term observed. */
  get term(): number {
    return this.#term;
  }

  /** Whether this member leads now. */
  isLeader(): boolean {
    return this.#leaderId !== 0 && this.#leaderId === this.#memberId;
  }

  /**
   * Records Raft's view after a Ready. Emits a change when the leader differs from the last one
   * seen, or when this member leads in a new term (its leader-only work restarts then).
   */
  observe(leaderId: number, term: number): void {
    if (this.#closed.signal.aborted) return;
    const previousLeaderId = this.#leaderId;
    const newLeaderTerm = this.isLeader() && leaderId === this.#memberId && term !== this.#term;
    this.#term = Math.max(this.#term, term);
    if (leaderId === previousLeaderId && !newLeaderTerm) return;
    this.#leaderId = leaderId;
    this.#leaderTerm?.abort(new EmbedError({ code: 'NOT_LEADER', message: 'leadership lost' }));
    this.#leaderTerm = this.isLeader() ? new AbortController() : undefined;
    const change = { leaderId, previousLeaderId, term, isLeader: this.isLeader() };
    for (const listener of [...this.#listeners]) listener(change);
  }

  /** Calls `listener` on every change until the returned function is called. */
  onChange(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * The changes from now on, as an async iterator. It ends when `signal` aborts or the server
   * closes. Changes that arrive while the consumer is busy are queued, none is dropped.
   */
  async *changes(options: { signal?: AbortSignal } = {}): AsyncGenerator<LeaderChange> {
    const queue: LeaderChange[] = [];
    let wake: (() => void) | undefined;
    const stop = AbortSignal.any([
      this.#closed.signal,
      ...(options.signal ? [options.signal] : []),
    ]);
    const off = this.onChange((c) => {
      queue.push(c);
      wake?.();
    });
    const onStop = () => wake?.();
    stop.addEventListener('abort', onStop);
    try {
      while (!stop.aborted) {
        const next = queue.shift();
        if (next !== undefined) yield next;
        else await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      off();
      stop.removeEventListener('abort', onStop);
    }
  }

  /**
   * Runs `work` each time this member becomes leader, with a signal that aborts the moment it
   * stops leading. Between terms it waits. Resolves when `signal` aborts or the server closes;
   * rejects with the first error `work` throws that is not its own abort.
   */
  async runWhileLeader(work: LeaderWork, options: { signal?: AbortSignal } = {}): Promise<void> {
    const stop = AbortSignal.any([
      this.#closed.signal,
      ...(options.signal ? [options.signal] : []),
    ]);
    while (!stop.aborted) {
      const term = this.#leaderTerm;
      if (term === undefined || term.signal.aborted) {
        await this.#nextChange(stop);
        continue;
      }
      const signal = AbortSignal.any([term.signal, stop]);
      try {
        await work(signal, { term: this.#term });
      } catch (e) {
        if (!signal.aborted) throw e;
      }
      // The work returned while still leading: wait for this term to end before running again.
      if (!signal.aborted) await this.#nextChange(stop);
    }
  }

  #nextChange(stop: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        off();
        stop.removeEventListener('abort', done);
        resolve();
      };
      const off = this.onChange(done);
      stop.addEventListener('abort', done);
    });
  }

  /** Ends every iterator and leader-only work; later observations are ignored. */
  close(): void {
    this.#leaderTerm?.abort(new EmbedError({ code: 'STOPPED', message: 'server closed' }));
    this.#closed.abort(new EmbedError({ code: 'STOPPED', message: 'server closed' }));
    this.#listeners.clear();
  }
}
