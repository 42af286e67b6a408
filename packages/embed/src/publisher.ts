// Publishing a member's attributes, as etcd's publish after start: once a leader is known, the
// member proposes its name and client URLs through Raft unless the applied member table already
// has them, so every member lists every member's client URLs (and an added member stops showing
// as "unstarted"). A failed attempt (no leader, timeout) is tried again every `publishRetryMs`
// until one is applied or the server closes.
import type { Cancel, Clock } from './clock.js';
import type { Logger } from './config.js';
import type { Driver } from './driver.js';
import type { Leadership } from './leadership.js';
import { publishRetryMs } from './limits.js';
import type { Membership } from './membership.js';

/** What the publisher needs. */
export interface PublisherParts {
  readonly name: string;
  readonly clientUrls: () => readonly string[];
  readonly membership: Membership;
  readonly driver: Driver;
  readonly leadership: Leadership;
  readonly clock: Clock;
  readonly logger: Logger;
}

const sameList = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/** Publishes this member's attributes once a leader is known; see the file comment. */
export class Publisher {
  readonly #p: PublisherParts;
  #closed = false;
  #busy = false;
  #cancelRetry: Cancel | undefined;
  #offLeader: (() => void) | undefined;

  constructor(parts: PublisherParts) {
    this.#p = parts;
  }

  /** Starts publishing (when a leader is or becomes known). */
  start(): void {
    this.#offLeader = this.#p.leadership.onChange(() => {
      this.#attempt();
    });
    this.#attempt();
  }

  /** Whether the applied member table already holds this member's attributes. */
  isPublished(): boolean {
    const m = this.#p.membership.get(this.#p.membership.memberId);
    if (m === undefined) return true;
    return m.name === this.#p.name && sameList(m.clientUrls ?? [], this.#p.clientUrls());
  }

  #attempt(): void {
    if (this.#closed || this.#busy || this.isPublished()) return;
    if (this.#p.leadership.leaderId === 0) return;
    this.#busy = true;
    const { membership, name } = this.#p;
    const attrs = { id: membership.memberId, name, clientUrls: this.#p.clientUrls() };
    this.#p.driver
      .proposeMember({ memberAttrs: attrs })
      .then(
        () => {
          this.#p.logger.info(
            { name, clientUrls: attrs.clientUrls },
            'published member attributes',
          );
        },
        (e: unknown) => {
          this.#p.logger.debug(
            { err: String(e) },
            'publishing member attributes failed; will retry',
          );
        },
      )
      .finally(() => {
        this.#busy = false;
        this.#cancelRetry?.();
        this.#cancelRetry = this.#p.clock.after(publishRetryMs, () => {
          this.#attempt();
        });
      });
  }

  /** Stops trying; idempotent. */
  close(): void {
    this.#closed = true;
    this.#offLeader?.();
    this.#cancelRetry?.();
  }
}
