// The simulated network between the members of a `Cluster`: a queue of messages in flight, each
// deliverable from a tick on. It loses, duplicates, delays and reorders messages and enforces
// partitions, every choice drawn from the run's one generator so a seed replays exactly.
import { assert } from '../../assert.js';
import type { Message } from '../../types.js';
import type { Prng } from '../prng.js';

/** The most messages in flight; beyond it the network loses what is sent (a full queue). */
export const simNetworkMsgsMax = 20_000;
/** With reordering, delivery picks among this many of the oldest deliverable messages. */
export const simReorderWindowMsgs = 8;

/** How the network treats messages; a subset of `SimOptions`. */
export interface SimNetworkOptions {
  readonly dropRate: number;
  readonly duplicateRate: number;
  readonly delayTicksMax: number;
  readonly reorder: boolean;
}

interface InFlight {
  readonly message: Message;
  readonly deliverableAtTicks: number;
}

/** What `SimNetwork.take` hands out: a message, and whether a partition swallowed it. */
export interface Delivery {
  readonly message: Message;
  /** True when the link was cut while it was in flight: the message never arrives. */
  readonly lost: boolean;
}

/** Counters a run reports at its end. */
export interface SimNetworkStats {
  sent: number;
  delivered: number;
  dropped: number;
  duplicated: number;
}

/**
 * Messages in flight between simulated nodes. Time is the cluster's tick count, passed in.
 * Without reordering, delivery is first-in first-out and delays never overtake one another.
 */
export class SimNetwork {
  private queue: InFlight[] = [];
  private head = 0;
  // Partition group per node id; nodes not listed are in group 0. Heal clears it.
  private readonly groups = new Map<number, number>();
  private lastDeliverableAtTicks = 0;
  private faultsOn = true;
  readonly stats: SimNetworkStats = { sent: 0, delivered: 0, dropped: 0, duplicated: 0 };

  constructor(
    private readonly prng: Prng,
    private readonly options: SimNetworkOptions,
  ) {}

  /** Queues `message` at tick `nowTicks`; returns false when it was lost on the way in. */
  send(message: Message, nowTicks: number): boolean {
    this.stats.sent++;
    const lost =
      !this.isConnected(message.from, message.to) ||
      this.size() >= simNetworkMsgsMax ||
      (this.faultsOn && this.prng.chance(this.options.dropRate));
    if (lost) {
      this.stats.dropped++;
      return false;
    }
    this.enqueue(message, nowTicks);
    if (this.faultsOn && this.prng.chance(this.options.duplicateRate)) {
      this.stats.duplicated++;
      this.enqueue(message, nowTicks);
    }
    return true;
  }

  private enqueue(message: Message, nowTicks: number): void {
    const delay = this.faultsOn ? this.prng.nextInt(this.options.delayTicksMax + 1) : 0;
    let at = nowTicks + delay;
    // FIFO delivery: a later message never becomes deliverable before an earlier one.
    if (!this.options.reorder) at = Math.max(at, this.lastDeliverableAtTicks);
    this.lastDeliverableAtTicks = at;
    this.queue.push({ message, deliverableAtTicks: at });
  }

  /** The next message to deliver at tick `nowTicks`, or undefined when none is due. */
  take(nowTicks: number): Delivery | undefined {
    const index = this.pickIndex(nowTicks);
    if (index < 0) return undefined;
    const item = this.queue[index];
    assert(item !== undefined, 'picked an empty queue slot');
    if (index === this.head) {
      this.head++;
      this.maybeShrink();
    } else {
      this.queue.splice(index, 1);
    }
    const lost = !this.isConnected(item.message.from, item.message.to);
    if (lost) this.stats.dropped++;
    else this.stats.delivered++;
    return { message: item.message, lost };
  }

  private pickIndex(nowTicks: number): number {
    if (!this.options.reorder || !this.faultsOn) {
      const first = this.queue[this.head];
      return first !== undefined && first.deliverableAtTicks <= nowTicks ? this.head : -1;
    }
    const due: number[] = [];
    const end = Math.min(this.queue.length, this.head + simReorderWindowMsgs);
    for (let i = this.head; i < end; i++) {
      const item = this.queue[i];
      if (item !== undefined && item.deliverableAtTicks <= nowTicks) due.push(i);
    }
    if (due.length === 0) return -1;
    return due[this.prng.nextInt(due.length)] ?? -1;
  }

  private maybeShrink(): void {
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  /** Messages in flight. */
  size(): number {
    return this.queue.length - this.head;
  }

  /** Whether a message from `from` to `to` can arrive under the current partition. */
  isConnected(from: number, to: number): boolean {
    return (this.groups.get(from) ?? 0) === (this.groups.get(to) ?? 0);
  }

  /** Splits the nodes: each id in `group` is cut off from every id outside it. */
  partition(group: readonly number[]): void {
    this.groups.clear();
    for (const id of group) this.groups.set(id, 1);
  }

  /** Removes every partition. */
  heal(): void {
    this.groups.clear();
  }

  /** Turns loss, duplication, delay and reordering off (the liveness phase) or back on. */
  setFaults(on: boolean): void {
    this.faultsOn = on;
  }

  /** Removes every message in flight to `id` (the node crashed; its sockets died). */
  dropTo(id: number): void {
    const kept = this.queue.slice(this.head).filter((f) => f.message.to !== id);
    this.stats.dropped += this.size() - kept.length;
    this.queue = kept;
    this.head = 0;
  }
}
