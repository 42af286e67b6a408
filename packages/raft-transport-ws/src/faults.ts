// Fault injection for tests: per peer link, drop a fraction of messages, delay them, or cut the
// link both ways (partition). Off by default; while no fault is set the send and receive paths
// test one boolean and nothing else.
import { TransportError } from './errors.js';

/** What to do to the link with one peer. All fields are optional; absent means no fault. */
export interface LinkFault {
  /** Fraction of outgoing messages dropped, in [0, 1]. */
  readonly dropRate?: number;
  /** Outgoing messages are held this long before they are queued (order is kept). */
  readonly delayMs?: number;
  /** Drop every message to and from the peer. */
  readonly partitioned?: boolean;
}

/** The fault table of one transport; see `Transport.faults`. */
export interface LinkFaults {
  /** Sets the fault for the link with `peer`, replacing any earlier one. */
  set(peer: number, fault: LinkFault): void;
  /** Clears the fault of `peer`, or of every link when `peer` is absent. */
  clear(peer?: number): void;
  /** The fault set for `peer`, if any. */
  get(peer: number): LinkFault | undefined;
}

function checkFault(fault: LinkFault): void {
  const { dropRate = 0, delayMs = 0 } = fault;
  if (!(dropRate >= 0 && dropRate <= 1)) {
    throw new TransportError({
      code: 'INVALID_CONFIG',
      message: 'fault dropRate must be in [0, 1]',
    });
  }
  if (!Number.isSafeInteger(delayMs) || delayMs < 0) {
    throw new TransportError({
      code: 'INVALID_CONFIG',
      message: 'fault delayMs must be a non-negative integer',
    });
  }
}

/** The fault table; `active` is the one flag the hot paths read. */
export class FaultTable implements LinkFaults {
  private readonly byPeer = new Map<number, LinkFault>();
  /** True when any fault is set. */
  active = false;

  set(peer: number, fault: LinkFault): void {
    checkFault(fault);
    this.byPeer.set(peer, fault);
    this.active = true;
  }

  clear(peer?: number): void {
    if (peer === undefined) this.byPeer.clear();
    else this.byPeer.delete(peer);
    this.active = this.byPeer.size > 0;
  }

  get(peer: number): LinkFault | undefined {
    return this.byPeer.get(peer);
  }
}
