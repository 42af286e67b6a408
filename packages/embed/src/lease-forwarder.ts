// A follower's lease keep-alives and time-to-live requests, forwarded to the leader as etcd's
// LeaseRenew and LeaseTimeToLive do: wait for a leader (at most the request's time limit, then
// "no leader"), POST to its peer URL (lease-http.ts), and on any answer but "found" or "not
// found" (the leader changed, was unreachable, or no longer leads) look for the leader again
// until the time limit ("request timed out"). Over https peer URLs the member's peer certificate
// is presented, so a leader that requires client certificates (mutual TLS) accepts the call.
import {
  MvccError,
  type LeaseTimeToLiveRequest,
  type LeaseTimeToLiveResponse,
} from '@keel/kv-mvcc';
import type { LoadedTls } from '@keel/raft-transport-ws';
import type { Clock } from './clock.js';
import { EmbedError } from './errors.js';
import { PeerClient, type PeerAnswer } from './peer-client.js';
import type { LeaseLeaderOps, RenewedLease } from './lease-leader.js';
import { leasePaths, renewedFromWire, timeToLiveFromWire } from './lease-http.js';
import type { Leadership } from './leadership.js';
import {
  leaseForwardResponseBytesMax,
  leaseForwardRetryMs,
  leaseForwardSocketsMax,
} from './limits.js';
import type { Membership } from './membership.js';

/** What the forwarder needs from the member. */
export interface LeaseForwarderHost {
  readonly leadership: Leadership;
  readonly membership: Membership;
  readonly clock: Clock;
  readonly requestTimeoutMs: number;
  /** The member's peer TLS material when its peer URLs are https. */
  readonly peerTls: LoadedTls | undefined;
  /** The member's own leader-side answers, used when it leads (or comes to lead meanwhile). */
  readonly local: LeaseLeaderOps;
}

/** The decoded outcome of one attempt: a value, or undefined to look for the leader again. */
type Decode<T> = (answer: PeerAnswer) => T | undefined;

function notFound(): MvccError {
  return new MvccError({ code: 'LEASE_NOT_FOUND', message: 'requested lease not found' });
}

/** Parses a 200 answer with `decode`; 404 is LEASE_NOT_FOUND; anything else asks again. */
function decodeWith<T>(decode: (v: unknown) => T | undefined): Decode<T> {
  return ({ status, text }) => {
    if (status === 404) throw notFound();
    if (status !== 200) return undefined;
    try {
      return decode(JSON.parse(text));
    } catch {
      return undefined; // a garbled answer is treated as no answer: the leader is asked again
    }
  };
}

/** Forwards lease requests from a follower to the leader over the peer listener. */
export class LeaseForwarder {
  readonly #h: LeaseForwarderHost;
  readonly #client: PeerClient;

  constructor(host: LeaseForwarderHost) {
    this.#h = host;
    const { peerTls: tls, clock } = host;
    this.#client = new PeerClient({ tls, clock, socketsMax: leaseForwardSocketsMax });
  }

  /**
   * Renews lease `id` on the leader (here when this member leads).
   * @throws MvccError LEASE_NOT_FOUND; EmbedError NOT_LEADER (no leader within the time limit),
   * TIMEOUT (the leader did not answer within it)
   */
  keepAlive(id: number): Promise<RenewedLease> {
    return this.#forward({
      path: leasePaths.keepAlive,
      body: { ID: id },
      local: () => this.#h.local.keepAlive(id),
      decode: decodeWith(renewedFromWire),
    });
  }

  /** The lease's time to live as the leader counts it. @throws as `keepAlive` */
  timeToLive(req: LeaseTimeToLiveRequest): Promise<LeaseTimeToLiveResponse> {
    return this.#forward({
      path: leasePaths.timeToLive,
      body: { ID: req.ID, keys: req.keys === true },
      local: () => this.#h.local.timeToLive(req),
      decode: decodeWith(timeToLiveFromWire),
    });
  }

  /** Closes the kept-alive connections to the leader. */
  close(): void {
    this.#client.close();
  }

  async #forward<T>(o: {
    path: string;
    body: object;
    local: () => Promise<T>;
    decode: Decode<T>;
  }): Promise<T> {
    const { clock, leadership } = this.#h;
    const deadline = clock.nowMs() + this.#h.requestTimeoutMs;
    // Bounded by the deadline: every pass waits for a leader or leaseForwardRetryMs.
    for (;;) {
      const leader = await this.#waitLeader(deadline);
      if (leadership.isLeader()) return o.local();
      const url = this.#h.membership.get(leader)?.peerUrls[0];
      if (url !== undefined) {
        const answer = await this.#post(new URL(o.path, url), o.body, deadline).catch(
          () => undefined,
        );
        const value = answer === undefined ? undefined : o.decode(answer);
        if (value !== undefined) return value;
      }
      if (clock.nowMs() >= deadline) {
        throw new EmbedError({ code: 'TIMEOUT', message: 'request timed out' });
      }
      await this.#sleep(Math.min(leaseForwardRetryMs, deadline - clock.nowMs()));
    }
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

  #post(url: URL, body: object, deadline: number): Promise<PeerAnswer> {
    return this.#client.request({
      ...{ url, method: 'POST', body },
      waitMs: deadline - this.#h.clock.nowMs(),
      answerBytesMax: leaseForwardResponseBytesMax,
    });
  }
}
