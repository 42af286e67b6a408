// The sending side of snapshot transfer. Raft asks for a snapshot (MsgSnap) when a follower needs
// entries this member has compacted. The MsgSnap carries the WAL snapshot's metadata (index S,
// term, ConfState) and no data; its body is the member table (snapshot-head.ts) and a consistent
// copy of the whole kv-mvcc store, both taken in the same turn when the stream starts, at the
// store's consistent index C >= S (the store is never behind the WAL snapshot; the loop applies
// membership and store changes of an entry in one turn, so between turns they agree). The follower replays the entries after S, and its store skips those at or below C.
import type { MvccStore } from '@keel/kv-mvcc';
import type { Message } from '@keel/raft-core';
import type { Transport } from '@keel/raft-transport-ws';
import type { Logger } from './config.js';
import type { MessageSink } from './driver.js';
import { snapshotsSendingMax } from './limits.js';
import { formatMemberId } from './member-id.js';
import type { Membership } from './membership.js';
import type { ServerMetrics } from './metrics.js';
import { encodeSnapshotHead, memberTableOf } from './snapshot-head.js';

/**
 * The snapshot body: the member table, then the store's stream; both taken when the transport
 * first reads it (no read transaction before), in one turn.
 */
function* snapshotBody(kv: MvccStore, membership: Membership): Generator<Uint8Array> {
  const head = encodeSnapshotHead(memberTableOf(membership.file));
  const store = kv.snapshot();
  yield head;
  yield* store;
}

/** What the sink needs besides the transport. */
interface SinkParts {
  readonly kv: MvccStore;
  readonly membership: Membership;
  readonly metrics: ServerMetrics;
  readonly logger: Logger;
  /** Called once per MsgSnap, in a later turn or at once when refused. */
  readonly report: (peer: number, ok: boolean) => void;
}

/**
 * The loop's sink: a `SnapshotSink` over the transport `transport()` returns at each send (none
 * while the member is alone: a lone member's transport starts with its first peer).
 */
export function createMessageSink(
  transport: () => Transport | undefined,
  o: SinkParts,
): MessageSink {
  return new SnapshotSink({ ...o, transport });
}

/**
 * A `MessageSink` over the transport that sends MsgSnaps as snapshot streams and everything else
 * on the peer links; each transfer's outcome goes to `report` (for raft's ReportSnapshot).
 */
export class SnapshotSink implements MessageSink {
  #sending = 0;

  constructor(
    private readonly o: SinkParts & { readonly transport: () => Transport | undefined },
  ) {}

  send(messages: readonly Message[]): void {
    const transport = this.o.transport();
    // A member alone in its cluster has nobody to send to.
    if (transport === undefined) return;
    if (!messages.some((m) => m.type === 'MsgSnap')) {
      transport.send(messages);
      return;
    }
    transport.send(messages.filter((m) => m.type !== 'MsgSnap'));
    for (const m of messages) if (m.type === 'MsgSnap') this.#sendSnapshot(m, transport);
  }

  #sendSnapshot(m: Message, transport: Transport): void {
    const { kv, membership, metrics, logger } = this.o;
    const to = formatMemberId(m.to);
    const index = m.snapshot?.metadata.index;
    if (this.#sending >= snapshotsSendingMax) {
      logger.debug({ to, index }, 'too many snapshots in flight; raft will ask again');
      this.#finish(m.to, false);
      return;
    }
    this.#sending += 1;
    logger.info({ to, index }, 'sending a snapshot to a member behind the compacted log');
    // sendSnapshot resolves with the outcome; it rejects only when the transport is closed or
    // the member unknown, which are failures of this transfer too.
    transport
      .sendSnapshot(m, snapshotBody(kv, membership))
      .then(
        (status) => status === 'finish',
        (e: unknown) => {
          logger.debug({ to, err: String(e) }, 'snapshot not sent');
          return false;
        },
      )
      .then((ok) => {
        this.#sending -= 1;
        (ok ? metrics.snapshotSendSuccess : metrics.snapshotSendFailures).inc();
        if (ok) logger.info({ to, index }, 'snapshot sent');
        this.#finish(m.to, ok);
      })
      .catch((e: unknown) => {
        logger.error({ err: String(e) }, 'reporting a snapshot outcome failed');
      });
  }

  #finish(peer: number, ok: boolean): void {
    this.o.report(peer, ok);
  }
}
