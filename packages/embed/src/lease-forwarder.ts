// A follower's lease keep-alives and time-to-live requests, forwarded to the leader as etcd's
// LeaseRenew and LeaseTimeToLive do (leader-forwarder.ts, to lease-http.ts's paths): "found"
// and "not found" settle a request; any other answer looks for the leader again.
import {
  MvccError,
  type LeaseTimeToLiveRequest,
  type LeaseTimeToLiveResponse,
} from '@keel/kv-mvcc';
import {
  LeaderForwarder,
  type ForwardDecode,
  type LeaderForwarderHost,
} from './leader-forwarder.js';
import type { LeaseLeaderOps, RenewedLease } from './lease-leader.js';
import { leasePaths, renewedFromWire, timeToLiveFromWire } from './lease-http.js';
import { leaseForwardResponseBytesMax } from './limits.js';

/** What the forwarder needs from the member. */
export interface LeaseForwarderHost extends LeaderForwarderHost {
  /** The member's own leader-side answers, used when it leads (or comes to lead meanwhile). */
  readonly local: LeaseLeaderOps;
}

function notFound(): MvccError {
  return new MvccError({ code: 'LEASE_NOT_FOUND', message: 'requested lease not found' });
}

/** Parses a 200 answer with `decode`; 404 is LEASE_NOT_FOUND; anything else asks again. */
function decodeWith<T>(decode: (v: unknown) => T | undefined): ForwardDecode<T> {
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
  readonly #leader: LeaderForwarder;

  constructor(host: LeaseForwarderHost) {
    this.#h = host;
    this.#leader = new LeaderForwarder(host);
  }

  /**
   * Renews lease `id` on the leader (here when this member leads).
   * @throws MvccError LEASE_NOT_FOUND; EmbedError NOT_LEADER (no leader within the time limit),
   * TIMEOUT (the leader did not answer within it)
   */
  keepAlive(id: number): Promise<RenewedLease> {
    return this.#leader.forward({
      answerBytesMax: leaseForwardResponseBytesMax,
      path: leasePaths.keepAlive,
      body: { ID: id },
      local: () => this.#h.local.keepAlive(id),
      decode: decodeWith(renewedFromWire),
    });
  }

  /** The lease's time to live as the leader counts it. @throws as `keepAlive` */
  timeToLive(req: LeaseTimeToLiveRequest): Promise<LeaseTimeToLiveResponse> {
    return this.#leader.forward({
      answerBytesMax: leaseForwardResponseBytesMax,
      path: leasePaths.timeToLive,
      body: { ID: req.ID, keys: req.keys === true },
      local: () => this.#h.local.timeToLive(req),
      decode: decodeWith(timeToLiveFromWire),
    });
  }

  /** Closes the kept-alive connections to the leader. */
  close(): void {
    this.#leader.close();
  }
}
