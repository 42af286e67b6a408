// The server side of peer connections. A connection must say HELLO first (within
// handshakeWaitMs); after WELCOME it is either the stream of a member pair, handed to that
// peer's link (see stream.ts and peer-link.ts), or a single snapshot transfer. Any frame that fails to decode or
// validate closes that connection with DECODE_FAILED; nothing a peer sends can throw out of here.
import { createHash } from 'node:crypto';
import type { WebSocket } from 'ws';
import type { Message } from '@keel/raft-core';
import { ChunkQueue } from './chunk-queue.js';
import { connPurposes, controlFrame, decodeControl, decodeMessage, frameKinds } from './codec.js';
import { frameBytes, startLiveness } from './context.js';
import { TransportError } from './errors.js';
import { checkHello, closeCodes, welcomeFrame, type Hello } from './handshake.js';
import { batchReceiver, closeDecodeFailed, type StreamHost } from './stream.js';

/** A snapshot arriving from a peer: its MsgSnap and its body, to be consumed once. */
export interface IncomingSnapshot {
  /** The MsgSnap; its `snapshot.data` is empty, the body comes through `chunks`. */
  readonly message: Message;
  /**
   * The body, in order. Throws `TransportError` `SNAPSHOT_FAILED` if the stream breaks or its
   * checksum does not match; it completes only after the checksum was verified.
   */
  readonly chunks: AsyncIterable<Uint8Array>;
}

/** What an inbound connection needs from its transport. */
export interface InboundHost extends StreamHost {
  isKnownPeer(id: number): boolean;
  /** True when `id` was removed from the cluster (its connections are refused as such). */
  isRemovedPeer(id: number): boolean;
  /** False when the link to `peer` refuses a stream it dialled (our own dial wins). */
  mayAdoptStream(peer: number): boolean;
  /** Makes `ws`, handshaken and welcomed, the stream with `peer`. */
  adoptStream(peer: number, ws: WebSocket): void;
  /** True when `ws` is the current stream with `peer` (frames on others are dropped). */
  isStream(peer: number, ws: WebSocket): boolean;
  /** A stream connection `peer` dialled has closed with `code`. */
  streamClosed(peer: number, ws: WebSocket, code: number): void;
  /** Stores a snapshot; undefined when this member does not take snapshots. */
  readonly onSnapshot: ((s: IncomingSnapshot) => Promise<void>) | undefined;
  /** Returns false when too many snapshots are already arriving. */
  snapshotSlot(delta: 1 | -1): boolean;
}

/** One inbound connection: its transport, its socket, and how log lines name it. */
interface Conn {
  readonly host: InboundHost;
  readonly ws: WebSocket;
  readonly remote: string;
  /** The remote address without its port: "logged once" keys use it, so reconnects share them. */
  readonly remoteHost: string;
}

function failDecode(conn: Conn, error: unknown): void {
  const { host, ws, remote, remoteHost } = conn;
  closeDecodeFailed(host.ctx, ws, { error, from: remote, logKey: `in:${remoteHost}:decode` });
}

/** Handles one accepted WebSocket until it closes. `remote` names it in log lines. */
export function acceptConnection(host: InboundHost, ws: WebSocket, remote: string): void {
  const { ctx } = host;
  const conn: Conn = { host, ws, remote, remoteHost: remote.slice(0, remote.lastIndexOf(':')) };
  const stopLiveness = startLiveness(ws, ctx.limits.pingMs);
  const handshakeTimer = setTimeout(() => {
    ws.close(closeCodes.HANDSHAKE_TIMEOUT, 'no hello in time');
  }, ctx.limits.handshakeWaitMs);
  let onFrame = (frame: Buffer): void => {
    clearTimeout(handshakeTimer);
    const hello = acceptHello(conn, frame);
    if (hello === undefined) return;
    onFrame =
      hello.purpose === connPurposes.STREAM
        ? streamReceiver(host, ws, hello.from)
        : snapshotReceiver(conn, hello.from);
  };
  ws.on('message', (data, isBinary) => {
    // ws still emits frames that arrive while a close we started completes: ignore them.
    if (ws.readyState !== ws.OPEN) return;
    const frame = frameBytes(data, isBinary);
    if (frame === undefined) {
      const e = new TransportError({ code: 'DECODE_FAILED', message: 'not a binary frame' });
      failDecode(conn, e);
      return;
    }
    ctx.stats.receivedFrames++;
    try {
      onFrame(frame);
    } catch (e) {
      failDecode(conn, e);
    }
  });
  ws.on('error', (err) => {
    const tooLarge = (err as { code?: unknown }).code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH';
    ctx.logOnce(
      `in:${conn.remoteHost}:error:${err.message}`,
      `connection from ${remote}: ${err.message}`,
      {
        ...(tooLarge ? { code: 'FRAME_TOO_LARGE' as const } : {}),
      },
    );
  });
  ws.on('close', () => {
    clearTimeout(handshakeTimer);
    stopLiveness();
    onFrame = () => undefined;
  });
}

function acceptHello(conn: Conn, frame: Buffer): Hello | undefined {
  const { host, ws, remote } = conn;
  const { ctx } = host;
  if (frame[0] !== frameKinds.HELLO) {
    throw new TransportError({ code: 'DECODE_FAILED', message: 'expected hello' });
  }
  const check = checkHello(ctx, frame.subarray(1), {
    isKnown: (id) => host.isKnownPeer(id),
    isRemoved: (id) => host.isRemovedPeer(id),
  });
  if (!check.ok) {
    ctx.stats.handshakesRefused++;
    const from = typeof check.from === 'number' ? `member ${check.from}` : 'an unnamed member';
    ctx.logOnce(
      `in:${String(check.from)}:refused:${check.closeCode}`,
      `refused connection from ${from} at ${remote}: ${check.reason}`,
      {
        code: 'HANDSHAKE_REFUSED',
        closeCode: check.closeCode,
        ...(typeof check.from === 'number' ? { peer: check.from } : {}),
      },
    );
    ws.close(check.closeCode, check.reason);
    return undefined;
  }
  if (check.hello.purpose === connPurposes.STREAM && !host.mayAdoptStream(check.hello.from)) {
    // Both members dialled at once and ours wins; the peer takes ours instead.
    ws.close(closeCodes.REPLACED, 'the pair has a connection already');
    return undefined;
  }
  ctx.forgetPrefix(`in:${check.hello.from}:`);
  ctx.forgetPrefix(`in:${conn.remoteHost}:`);
  ws.send(welcomeFrame(ctx), { binary: true });
  return check.hello;
}

function streamReceiver(host: InboundHost, ws: WebSocket, peer: number): (frame: Buffer) => void {
  host.adoptStream(peer, ws);
  ws.on('close', (code) => {
    host.streamClosed(peer, ws, code);
  });
  const receive = batchReceiver(host, peer);
  return (frame) => {
    // A replaced connection's late frames are dropped, so delivery never goes back in order.
    if (host.isStream(peer, ws)) receive(frame);
  };
}

function snapshotFailed(message: string): TransportError {
  return new TransportError({ code: 'SNAPSHOT_FAILED', message });
}

function startSnapshot(conn: Conn, frame: Buffer, peer: number): ChunkQueue | undefined {
  const { host, ws } = conn;
  if (frame[0] !== frameKinds.SNAP_HEAD)
    throw new TransportError({ code: 'DECODE_FAILED', message: 'expected a snapshot head' });
  const message = decodeMessage(frame.subarray(1));
  if (
    message.type !== 'MsgSnap' ||
    message.snapshot === undefined ||
    message.from !== peer ||
    message.to !== host.ctx.memberId
  ) {
    throw new TransportError({
      code: 'DECODE_FAILED',
      message: 'snapshot head is not a MsgSnap for us',
    });
  }
  const handler = host.onSnapshot;
  if (handler === undefined || !host.snapshotSlot(1)) {
    ws.send(controlFrame(frameKinds.SNAP_ACK, [false, 'not accepting snapshots now']), {
      binary: true,
    });
    ws.close(closeCodes.SNAPSHOT_FAILED, 'snapshot refused');
    return undefined;
  }
  const queue = new ChunkQueue(host.ctx.limits.snapshotRecvBufferedBytesMax, {
    pause: () => {
      ws.pause();
    },
    resume: () => {
      ws.resume();
    },
  });
  ws.on('close', () => {
    queue.fail(snapshotFailed('snapshot connection closed before the end'));
  });
  const settle = (ok: boolean, reason: string): void => {
    host.snapshotSlot(-1);
    if (ok) host.deliver(message);
    ws.send(controlFrame(frameKinds.SNAP_ACK, [ok, reason]), { binary: true });
    if (!ok) ws.close(closeCodes.SNAPSHOT_FAILED, reason.slice(0, 100));
  };
  handler({ message, chunks: queue }).then(
    () => {
      settle(
        queue.consumedToEnd,
        queue.consumedToEnd ? '' : 'handler did not read the whole snapshot',
      );
    },
    (e: unknown) => {
      settle(false, e instanceof Error ? e.message : 'handler failed');
    },
  );
  return queue;
}

function snapshotReceiver(conn: Conn, peer: number): (frame: Buffer) => void {
  const hash = createHash('sha256');
  let byteCount = 0;
  let queue: ChunkQueue | undefined;
  let started = false;
  let ended = false;
  return (frame) => {
    if (!started) {
      started = true;
      queue = startSnapshot(conn, frame, peer);
      return;
    }
    // A refused snapshot's remaining frames arrive while the close completes: ignore them.
    if (queue === undefined) return;
    if (ended)
      throw new TransportError({ code: 'DECODE_FAILED', message: 'frame after the snapshot end' });
    if (frame[0] === frameKinds.SNAP_CHUNK) {
      const chunk = frame.subarray(1);
      hash.update(chunk);
      byteCount += chunk.byteLength;
      queue.push(chunk);
      return;
    }
    if (frame[0] !== frameKinds.SNAP_END)
      throw new TransportError({ code: 'DECODE_FAILED', message: 'expected a chunk or the end' });
    ended = true;
    const [count, digest] = decodeControl(frame.subarray(1), 2, 'snapshot end');
    const matches =
      count === byteCount && digest instanceof Uint8Array && hash.digest().equals(digest);
    if (matches) queue.end();
    else queue.fail(snapshotFailed(`snapshot checksum mismatch after ${byteCount} bytes`));
  };
}
