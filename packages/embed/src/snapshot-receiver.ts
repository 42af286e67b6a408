// The receiving side of snapshot transfer: the transport's `onSnapshot` handler. It stores the
// stream in a file (snapshot-files.ts), checks the member table at its head, and resolves; only then does the transport hand the MsgSnap
// to Raft, so a MsgSnap is stepped only with its body durable on disk.
import type { IncomingSnapshot } from '@keel/raft-transport-ws';
import { assert } from './assert.js';
import type { Logger } from './config.js';
import { EmbedError } from './errors.js';
import { formatMemberId } from './member-id.js';
import type { ServerMetrics } from './metrics.js';
import { checkSnapshotFile, writeSnapshotFile } from './snapshot-files.js';

/**
 * The handler for `TransportConfig.onSnapshot`. One snapshot is received at a time; another one
 * arriving meanwhile is refused (the leader reports the failure to Raft and tries again later).
 */
export function createSnapshotReceiver(o: {
  readonly dataDir: string;
  readonly metrics: ServerMetrics;
  readonly logger: Logger;
}): (incoming: IncomingSnapshot) => Promise<void> {
  let receiving = false;
  return async ({ message, chunks }) => {
    const snap = message.snapshot;
    assert(snap !== undefined, 'the transport hands over MsgSnaps only');
    const { index, term } = snap.metadata;
    const from = formatMemberId(message.from);
    if (receiving) {
      throw new EmbedError({ code: 'OVERLOADED', message: 'already receiving a snapshot' });
    }
    receiving = true;
    try {
      const bytes = await writeSnapshotFile(o.dataDir, index, chunks);
      checkSnapshotFile(o.dataDir, index);
      o.metrics.snapshotReceiveSuccess.inc();
      o.logger.info({ from, index, term, bytes }, 'received a snapshot from the leader');
    } catch (e) {
      o.metrics.snapshotReceiveFailures.inc();
      o.logger.warn({ from, index, err: String(e) }, 'receiving a snapshot failed');
      throw e;
    } finally {
      receiving = false;
    }
  };
}
