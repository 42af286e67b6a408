// Sends one snapshot on its own connection, so a long transfer never holds up heartbeats on the
// stream link. The body is read from an async iterable chunk by chunk and handed to the socket
// only while it keeps up (backpressure), hashed on the way; the receiver checks the hash at the
// end and acknowledges only after its handler has stored the snapshot.
import { createHash } from 'node:crypto';
import { WebSocket } from 'ws';
import type { Message } from '@keel/raft-core';
import {
  buildFrame,
  connPurposes,
  controlFrame,
  decodeControl,
  encodeMessage,
  frameKinds,
} from './codec.js';
import { frameBytes, startLiveness, type TransportContext } from './context.js';
import { TransportError } from './errors.js';
import { checkWelcome, closeCodes, helloFrame } from './handshake.js';
import { clientOptions } from './peer-link.js';

/**
 * A snapshot body: chunks in order, read one at a time (an async source is awaited, so a file
 * stream is read only as fast as the socket drains).
 */
export type SnapshotSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

function snapshotFailed(message: string, cause?: unknown): TransportError {
  return new TransportError({ code: 'SNAPSHOT_FAILED', message, cause });
}

/** One snapshot connection's events, turned into promises the sending loop can await. */
class SnapshotConnection {
  readonly ws: WebSocket;
  private readonly waiters: { kind: number; resolve: (payload: Buffer) => void }[] = [];
  private failure: TransportError | undefined;
  private readonly failed: Promise<never>;
  private rejectFailed: (e: TransportError) => void = () => undefined;

  constructor(ctx: TransportContext, url: string) {
    this.ws = new WebSocket(url, clientOptions(ctx));
    this.failed = new Promise<never>((_resolve, reject) => {
      this.rejectFailed = reject;
    });
    // Nobody may be awaiting when the connection fails; the rejection is observed by `race`.
    this.failed.catch(() => undefined);
    this.ws.on('message', (data, isBinary) => {
      const frame = frameBytes(data, isBinary);
      const waiter = this.waiters.shift();
      if (frame === undefined || waiter === undefined || waiter.kind !== frame[0]) {
        this.fail(snapshotFailed('unexpected frame from the snapshot receiver'));
        return;
      }
      waiter.resolve(frame.subarray(1));
    });
    this.ws.on('error', (err) => {
      this.fail(snapshotFailed(`snapshot connection to ${url} failed: ${err.message}`, err));
    });
    this.ws.on('close', (code, reason) => {
      this.fail(snapshotFailed(`snapshot connection closed (${code} ${reason.toString()})`));
    });
  }

  fail(e: TransportError): void {
    if (this.failure !== undefined) return;
    this.failure = e;
    this.rejectFailed(e);
    if (this.ws.readyState === WebSocket.OPEN)
      this.ws.close(closeCodes.SNAPSHOT_FAILED, e.message.slice(0, 100));
    else this.ws.terminate();
  }

  /**
   * `p`, or the connection's failure, whichever comes first. A raced promise nobody ends up
   * awaiting (the ACK after a failed body) must not become an unhandled rejection.
   */
  race<T>(p: Promise<T>): Promise<T> {
    const raced = Promise.race([p, this.failed]);
    raced.catch(() => undefined);
    return raced;
  }

  opened(): Promise<void> {
    if (this.ws.readyState === WebSocket.OPEN) return Promise.resolve();
    return this.race(
      new Promise<void>((resolve) =>
        this.ws.once('open', () => {
          resolve();
        }),
      ),
    );
  }

  next(kind: number): Promise<Buffer> {
    return this.race(new Promise<Buffer>((resolve) => this.waiters.push({ kind, resolve })));
  }

  /** Sends `frame`; waits for the socket to write it when too much is buffered already. */
  async send(frame: Buffer, bufferedBytesMax: number): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    if (this.ws.bufferedAmount < bufferedBytesMax) {
      this.ws.send(frame, { binary: true });
      return;
    }
    await this.race(
      new Promise<void>((resolve) => {
        this.ws.send(frame, { binary: true }, () => {
          resolve();
        });
      }),
    );
  }
}

async function streamBody(
  conn: SnapshotConnection,
  ctx: TransportContext,
  chunks: SnapshotSource,
): Promise<void> {
  const hash = createHash('sha256');
  const { snapshotChunkBytes, socketBufferedBytesMax } = ctx.limits;
  let byteCount = 0;
  for await (const chunk of chunks) {
    // Bounded by the source; big source chunks are cut into frame-sized views, never copied.
    for (let lo = 0; lo < chunk.byteLength; lo += snapshotChunkBytes) {
      const piece = chunk.subarray(lo, Math.min(chunk.byteLength, lo + snapshotChunkBytes));
      hash.update(piece);
      byteCount += piece.byteLength;
      await conn.send(buildFrame(frameKinds.SNAP_CHUNK, [piece]), socketBufferedBytesMax);
    }
  }
  const end = controlFrame(frameKinds.SNAP_END, [byteCount, hash.digest()]);
  await conn.send(end, socketBufferedBytesMax);
}

/**
 * Streams `message` (a MsgSnap) and its body to `url`, and resolves once the receiver has
 * verified and stored it.
 *
 * @throws TransportError `SNAPSHOT_FAILED` on any failure; the connection is closed.
 */
export async function sendSnapshotStream(
  ctx: TransportContext,
  target: {
    readonly peer: number;
    readonly url: string;
    /** Open snapshot sockets, so the transport can end them on close(). */
    readonly sockets: Set<WebSocket>;
  },
  body: { readonly message: Message; readonly chunks: SnapshotSource },
): Promise<void> {
  const conn = new SnapshotConnection(ctx, target.url);
  target.sockets.add(conn.ws);
  const stopLiveness = startLiveness(conn.ws, ctx.limits.pingMs);
  const handshakeTimer = setTimeout(() => {
    conn.fail(snapshotFailed('snapshot handshake timed out'));
  }, ctx.limits.handshakeWaitMs);
  try {
    await conn.opened();
    const welcome = conn.next(frameKinds.WELCOME);
    conn.ws.send(helloFrame(ctx, target.peer, connPurposes.SNAPSHOT), { binary: true });
    const refusal = checkWelcome(ctx, await welcome, target.peer);
    clearTimeout(handshakeTimer);
    if (refusal !== undefined) throw snapshotFailed(`snapshot refused: ${refusal.reason}`);
    const ack = conn.next(frameKinds.SNAP_ACK);
    await conn.send(buildFrame(frameKinds.SNAP_HEAD, encodeMessage(body.message).parts), 0);
    await streamBody(conn, ctx, body.chunks);
    const [ok, reason] = decodeControl(await ack, 2, 'snapshot ack');
    if (ok !== true) throw snapshotFailed(`receiver refused the snapshot: ${String(reason)}`);
    conn.ws.close(closeCodes.GOING_AWAY, 'snapshot sent');
  } catch (e) {
    const err =
      e instanceof TransportError && e.code === 'SNAPSHOT_FAILED'
        ? e
        : snapshotFailed('snapshot failed', e);
    conn.fail(err);
    throw err;
  } finally {
    target.sockets.delete(conn.ws);
    clearTimeout(handshakeTimer);
    stopLiveness();
  }
}
