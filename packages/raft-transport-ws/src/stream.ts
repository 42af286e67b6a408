// What both ends of a stream connection share. A pair of members has one stream connection,
// which carries BATCH frames both ways, whichever member dialled it: the receiving half decodes,
// validates and delivers them the same way on the dialled and on the accepting side.
import type { WebSocket } from 'ws';
import type { Message } from '@keel/raft-core';
import { decodeBatch, frameKinds } from './codec.js';
import type { TransportContext } from './context.js';
import { TransportError, isTransportError } from './errors.js';
import { closeCodes } from './handshake.js';

/** What the receiving half of a stream needs from its transport. */
export interface StreamHost {
  readonly ctx: TransportContext;
  /** True when fault injection cuts the link from `peer`. */
  isCutFrom(peer: number): boolean;
  deliver(m: Message): void;
}

/**
 * Closes `ws` with DECODE_FAILED after a frame failed to decode or validate, counting it and
 * logging once per `logKey`. Any other error is a bug and is rethrown.
 */
export function closeDecodeFailed(
  ctx: TransportContext,
  ws: WebSocket,
  failure: { readonly error: unknown; readonly from: string; readonly logKey: string },
): void {
  const e = failure.error;
  if (!isTransportError(e, 'DECODE_FAILED')) throw e;
  ctx.stats.decodeFailures++;
  ctx.logOnce(failure.logKey, `closing connection from ${failure.from}: ${e.message}`, {
    code: 'DECODE_FAILED',
  });
  ws.close(closeCodes.DECODE_FAILED, 'decode failed');
}

/**
 * The handler of BATCH frames from `peer`: every message is decoded and validated, and must be
 * from `peer` to this member, before any of the frame is delivered.
 *
 * @throws TransportError `DECODE_FAILED` when the frame is not such a batch.
 */
export function batchReceiver(host: StreamHost, peer: number): (frame: Buffer) => void {
  const { ctx } = host;
  return (frame) => {
    if (frame[0] !== frameKinds.BATCH) {
      throw new TransportError({ code: 'DECODE_FAILED', message: 'expected a batch' });
    }
    const messages = decodeBatch(frame.subarray(1));
    for (const m of messages) {
      if (m.from !== peer || m.to !== ctx.memberId) {
        throw new TransportError({
          code: 'DECODE_FAILED',
          message: `message ${m.from}->${m.to} on the stream of ${peer}`,
        });
      }
    }
    // Decoding finished before any delivery: a bad frame delivers nothing of itself.
    if (host.isCutFrom(peer)) {
      ctx.stats.droppedByFaults += messages.length;
      return;
    }
    ctx.stats.receivedMsgs += messages.length;
    for (const m of messages) host.deliver(m);
    // What the handlers sent in reply leaves now, before the rest of the socket's read work,
    // rather than from the microtask at the end of the turn.
    for (const flush of ctx.pendingFlushes) flush();
  };
}
