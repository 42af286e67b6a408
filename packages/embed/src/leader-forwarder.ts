// Requests a follower forwards to the leader over the peer listener, as etcd forwards lease
// renewals, lease time-to-live and member promotions: wait for a leader (at most the request's
// time limit, then "no leader"), POST to its peer URL, and decode the answer; an answer that
// settles nothing (the leader changed, was unreachable, or no longer leads) looks for the leader
// again until the time limit ("request timed out"). When this member leads, or comes to lead
// meanwhile, the local answer is used. Over https peer URLs the member's peer TLS is used
// (peer-client.ts), so a leader that requires client certificates accepts the call.
import type { LoadedTls } from '@keel/raft-transport-ws';
import type { Clock } from './clock.js';
import { EmbedError } from './errors.js';
import type { Leadership } from './leadership.js';
import { leaderForwardRetryMs, leaderForwardSocketsMax } from './limits.js';
import type { Membership } from './membership.js';
import { PeerClient, type PeerAnswer } from './peer-client.js';

/** What the forwarder needs from the member. */
export interface LeaderForwarderHost {
  readonly leadership: Leadership;
  readonly membership: Membership;
  readonly clock: Clock;
  readonly requestTimeoutMs: number;
  /** The member's peer TLS material when its peer URLs are https. */
  readonly peerTls: LoadedTls | undefined;
}

/**
 * Decodes one answer of the leader: a value, undefined to look for the leader again, or a
 * thrown error that ends the request.
 */
export type ForwardDecode<T> = (answer: PeerAnswer) => T | undefined;

/** One forwarded request. */
export interface ForwardRequest<T> {
  /** The path on the leader's peer URL. */
  readonly path: string;
  /** Sent as JSON. */
  readonly body: object;
  /** The answer when this member leads. */
  readonly local: () => Promise<T>;
  readonly decode: ForwardDecode<T>;
  /** A longer answer counts as none. */
  readonly answerBytesMax: number;
}

/** Forwards requests from a follower to the leader; see the file comment. */
export class LeaderForwarder {
  readonly #h: LeaderForwarderHost;
  readonly #client: PeerClient;

  constructor(host: LeaderForwarderHost) {
    this.#h = host;
    const { peerTls: tls, clock } = host;
    this.#client = new PeerClient({ tls, clock, socketsMax: leaderForwardSocketsMax });
  }

  /**
   * Sends `r` to the leader (answers locally when leading).
   * @throws EmbedError NOT_LEADER (no leader within the time limit), TIMEOUT (no settling
   * answer within it); whatever `r.decode` throws
   */
  async forward<T>(r: ForwardRequest<T>): Promise<T> {
    const { clock, leadership } = this.#h;
    const deadline = clock.nowMs() + this.#h.requestTimeoutMs;
    // Bounded by the deadline: every pass waits for a leader or leaderForwardRetryMs.
    for (;;) {
      const leader = await this.#waitLeader(deadline);
      if (leadership.isLeader()) return r.local();
      const url = this.#h.membership.get(leader)?.peerUrls[0];
      if (url !== undefined) {
        const answer = await this.#client
          .request({
            ...{ url: new URL(r.path, url), method: 'POST', body: r.body },
            ...{ waitMs: deadline - clock.nowMs(), answerBytesMax: r.answerBytesMax },
          })
          .catch(() => undefined);
        const value = answer === undefined ? undefined : r.decode(answer);
        if (value !== undefined) return value;
      }
      if (clock.nowMs() >= deadline) {
        throw new EmbedError({ code: 'TIMEOUT', message: 'request timed out' });
      }
      await this.#sleep(Math.min(leaderForwardRetryMs, deadline - clock.nowMs()));
    }
  }

  /** Closes the kept-alive connections to the leader. */
  close(): void {
    this.#client.close();
  }

  /** The known leader; waits for one until `deadline`, then NOT_LEADER ("no leader"). */
  #waitLeader(deadline: number): Promise<number> {
    const { clock, leadership } = this.#h;
    if (leadership.leaderId !== 0) return Promise.resolve(leadership.leaderId);
    return new Promise((resolve, reject) => {
      const off = leadership.onChange((c) => {
        if (c.leaderId === 0) return;
        off();
        cancel();
        resolve(c.leaderId);
      });
      const cancel = clock.after(Math.max(0, deadline - clock.nowMs()), () => {
        off();
        reject(new EmbedError({ code: 'NOT_LEADER', message: 'no leader' }));
      });
    });
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.#h.clock.after(Math.max(0, ms), resolve));
  }
}
