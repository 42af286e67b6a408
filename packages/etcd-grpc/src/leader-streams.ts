// etcd's leader monitor: a stream opened with `hasleader` metadata (clientv3's WithRequireLeader,
// which Kubernetes uses for its watches and clientv3 for lease keep-alives) ends with "etcdserver:
// no leader" once the member has seen no leader at noLeaderChecksMax checks in a row, one check
// per election timeout, so that its client moves to a member that has one. New calls are refused
// at once by the call gate; open streams get this grace because reconnecting costs more.
import type { Metadata } from '@grpc/grpc-js';
import { noLeaderChecksMax } from './limits.js';
import { etcdStatuses } from './status.js';

/** A server stream as grpc-js hands it over: its metadata, its events, ending it with a status. */
export interface LeaderStream {
  readonly metadata: Metadata;
  on(event: string, listener: () => void): unknown;
  emit(event: 'error', status: object): boolean;
}

/** True when the client asked that the call fail without a leader (etcd's `hasleader`). */
export function requiresLeader(md: Metadata): boolean {
  return md.get('hasleader')[0] === 'true';
}

/** The open `hasleader` streams of one server, and the checks that end them without a leader. */
export class LeaderStreams {
  readonly #streams = new Set<LeaderStream>();
  readonly #leaderId: () => number;
  #noLeaderChecks = 0;
  #timer: NodeJS.Timeout | undefined;

  /** `leaderId` gives the leader's member ID, 0 when none is known. */
  constructor(leaderId: () => number) {
    this.#leaderId = leaderId;
  }

  /** Follows `stream` until it ends, if it asked for a leader. */
  track(stream: LeaderStream): void {
    if (!requiresLeader(stream.metadata)) return;
    this.#streams.add(stream);
    const forget = (): void => {
      this.#streams.delete(stream);
    };
    for (const event of ['cancelled', 'close', 'finish', 'error']) stream.on(event, forget);
  }

  /** Checks every `intervalMs` (etcd: the election timeout) until `stop`. Idempotent. */
  start(intervalMs: number): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => {
      this.check();
    }, intervalMs);
    this.#timer.unref();
  }

  /** Stops the checks. Idempotent. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /**
   * One check: counts it when no leader is known (a leader resets the count), and from the
   * noLeaderChecksMax-th on ends every tracked stream with "etcdserver: no leader".
   * @returns how many streams it ended.
   */
  check(): number {
    if (this.#leaderId() !== 0) {
      this.#noLeaderChecks = 0;
      return 0;
    }
    this.#noLeaderChecks += 1;
    if (this.#noLeaderChecks < noLeaderChecksMax) return 0;
    const ended = [...this.#streams];
    this.#streams.clear();
    const status = { code: etcdStatuses.noLeader.code, details: etcdStatuses.noLeader.details };
    for (const stream of ended) stream.emit('error', status);
    return ended.length;
  }
}
