// One peer's link: the bounded send queue and the pair's single stream connection, which carries
// messages both ways. Each member dials while it has no stream. When both dial at once, the
// lower member ID's dial wins: the lower member refuses the peer's dial (REPLACED) while its own
// is in flight or open, and the higher member takes the peer's dial and drops its own. Our
// messages to the peer take only the current stream, so per-link order is the order of one TCP
// connection; frames that arrive on a connection after it was replaced are dropped. The link batches a turn's messages
// into frames of about batchBytesTarget, redials with jittered exponential backoff, and keeps the
// time since it has been continuously connected.
import { performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import { assert } from './assert.js';
import { buildFrame, connPurposes, frameKinds, type EncodedMessage } from './codec.js';
import { frameBytes, startLiveness, type TransportContext } from './context.js';
import { TransportError, isTransportError } from './errors.js';
import { checkWelcome, closeCodes, helloFrame, isRefusalCode } from './handshake.js';
import { batchBytesTarget, frameHeaderBytes, type TransportLimits } from './limits.js';
import { batchReceiver, closeDecodeFailed, type StreamHost } from './stream.js';

/** Settled once: reactions to it run as microtasks. */
const settled = Promise.resolve();

/** ws send options of every frame (one shared object: no allocation per frame). */
const binaryFrame = { binary: true } as const;

/** Options for a ws client connecting to a peer URL (shared with snapshot connections). */
export function clientOptions(ctx: TransportContext): WebSocket.ClientOptions {
  return {
    maxPayload: ctx.limits.frameBytesMax,
    perMessageDeflate: false,
    handshakeTimeout: ctx.limits.handshakeWaitMs,
    ...(ctx.clientTls ?? {}),
  };
}

/**
 * The delay before reconnect attempt `attempt` (0-based): the ceiling doubles from
 * `reconnectBaseMs` up to `reconnectMaxMs`, and the delay is drawn from [ceiling / 2, ceiling)
 * (equal jitter), so members restarted together do not dial in step.
 */
export function reconnectDelayMs(
  attempt: number,
  limits: Pick<TransportLimits, 'reconnectBaseMs' | 'reconnectMaxMs'>,
  random: () => number,
): number {
  const ceilingMs = Math.min(
    limits.reconnectMaxMs,
    limits.reconnectBaseMs * 2 ** Math.min(attempt, 30),
  );
  return ceilingMs / 2 + random() * (ceilingMs / 2);
}

/** A peer's link: see the file comment. */
export class PeerLink {
  private readonly ctx: TransportContext;
  private closed = false;
  /** The open stream connection our messages take, whichever member dialled it. */
  private stream: WebSocket | undefined;
  /** Our own connection to the peer, from dialling until it closes. */
  private dial: WebSocket | undefined;
  private stopDialLiveness: (() => void) | undefined;
  // Invariant: queueBytes is the sum of the byte lengths in queue.
  private queue: EncodedMessage[] = [];
  private queueBytes = 0;
  private flushScheduled = false;
  private awaitingDrain = false;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private queueFullEpisode = false;
  private readonly receive: (frame: Buffer) => void;
  /** True when this member has the lower ID, so its dial wins when both members dial at once. */
  private readonly dialWins: boolean;
  /** `performance.now()` when the pair last became connected (a replacement keeps it). */
  connectedSince: number | undefined;

  constructor(
    host: StreamHost,
    readonly peer: number,
    readonly url: string,
  ) {
    this.ctx = host.ctx;
    this.receive = batchReceiver(host, peer);
    this.dialWins = host.ctx.memberId < peer;
  }

  /** Starts connecting; idempotent. */
  start(): void {
    if (this.dial === undefined && this.reconnectTimer === undefined && this.shouldDial()) {
      this.connect();
    }
  }

  /** True when this side should dial: while it has no stream. */
  private shouldDial(): boolean {
    return !this.closed && this.stream === undefined;
  }

  /**
   * Queues one encoded message. Dropped (and the peer reported unreachable) when the link is not
   * connected, the queue is full, or the message alone cannot fit in a frame.
   */
  enqueue(encoded: EncodedMessage): void {
    const { ctx } = this;
    if (encoded.sizeBytes + frameHeaderBytes > ctx.limits.frameBytesMax) {
      ctx.stats.droppedFrameTooLarge++;
      ctx.logger.warn(
        `message to member ${this.peer} of ${encoded.sizeBytes} bytes exceeds frameBytesMax; dropped`,
        { code: 'FRAME_TOO_LARGE', peer: this.peer },
      );
      ctx.reportUnreachable(this.peer);
      return;
    }
    if (this.stream === undefined) {
      ctx.stats.droppedDisconnected++;
      ctx.reportUnreachable(this.peer);
      return;
    }
    if (
      this.queue.length >= ctx.limits.sendQueueMsgsMax ||
      this.queueBytes + encoded.sizeBytes > ctx.limits.sendQueueBytesMax
    ) {
      this.dropQueueFull();
      return;
    }
    this.queue.push(encoded);
    this.queueBytes += encoded.sizeBytes;
    if (!this.flushScheduled && !this.awaitingDrain) {
      this.flushScheduled = true;
      // Everything queued for this peer in this turn goes out together once the turn's code
      // (the current callback and its microtasks) has run: batched, yet with no added wait.
      // A resolved promise's reaction is a plain microtask, cheaper than queueMicrotask's.
      // When a received frame's handlers queued it, the stream flushes sooner (stream.ts).
      void settled.then(this.flushQueued);
      ctx.pendingFlushes.add(this.flushQueued);
    }
  }

  /** The scheduled flush, made once per link (no closure per turn). */
  private readonly flushQueued = (): void => {
    if (!this.flushScheduled) return;
    this.flushScheduled = false;
    this.ctx.pendingFlushes.delete(this.flushQueued);
    this.flush();
  };

  private dropQueueFull(): void {
    const { ctx } = this;
    ctx.stats.droppedQueueFull++;
    if (!this.queueFullEpisode) {
      this.queueFullEpisode = true;
      ctx.logger.warn(`send queue to member ${this.peer} is full; dropping messages`, {
        code: 'QUEUE_FULL',
        peer: this.peer,
      });
    }
    ctx.reportUnreachable(this.peer);
  }

  /**
   * Sends queued messages as frames of about batchBytesTarget, never over frameBytesMax, while
   * the socket keeps up. At least one frame goes out per call, so a drain callback is always
   * pending while messages wait.
   */
  private flush(): void {
    const ws = this.stream;
    if (ws === undefined || this.queue.length === 0) return;
    const { limits } = this.ctx;
    let taken = 0;
    let frame: Buffer | undefined;
    do {
      const start = taken;
      let sizeBytes = frameHeaderBytes;
      const parts: Uint8Array[] = [];
      while (taken < this.queue.length) {
        const next = this.queue[taken] as EncodedMessage;
        if (taken > start && sizeBytes + next.sizeBytes > limits.frameBytesMax) break;
        if (taken > start && sizeBytes >= batchBytesTarget) break;
        sizeBytes += next.sizeBytes;
        for (const part of next.parts) parts.push(part);
        taken++;
      }
      if (frame !== undefined) ws.send(frame, binaryFrame);
      frame = buildFrame(frameKinds.BATCH, parts);
      // Pair assertion: frames are checked against frameBytesMax here and by the receiver.
      assert(frame.byteLength === sizeBytes, 'a frame is as long as its parts');
      if (taken - start > 1) assert(sizeBytes <= limits.frameBytesMax, 'a batch fits in a frame');
      this.countSent(taken - start, sizeBytes - frameHeaderBytes);
    } while (taken < this.queue.length && ws.bufferedAmount < limits.socketBufferedBytesMax);
    this.queue = taken === this.queue.length ? [] : this.queue.slice(taken);
    if (this.queue.length === 0) {
      this.queueFullEpisode = false;
      ws.send(frame, binaryFrame);
      return;
    }
    // The socket is behind: flush again once the last frame handed to it has been written.
    this.awaitingDrain = true;
    ws.send(frame, { binary: true }, () => {
      this.awaitingDrain = false;
      this.flush();
    });
  }

  private countSent(msgCount: number, payloadBytes: number): void {
    this.ctx.stats.sentFrames++;
    this.ctx.stats.sentMsgs += msgCount;
    this.queueBytes -= payloadBytes;
  }

  private connect(): void {
    this.reconnectTimer = undefined;
    if (!this.shouldDial()) return;
    const ws = new WebSocket(this.url, clientOptions(this.ctx));
    this.dial = ws;
    let welcomed = false;
    const handshakeTimer = setTimeout(() => {
      ws.close(closeCodes.HANDSHAKE_TIMEOUT, 'no welcome in time');
    }, this.ctx.limits.handshakeWaitMs);
    ws.on('open', () => {
      ws.send(helloFrame(this.ctx, this.peer, connPurposes.STREAM), { binary: true });
    });
    ws.on('message', (data, isBinary) => {
      const frame = frameBytes(data, isBinary);
      if (welcomed) {
        this.receiveOn(ws, frame);
        return;
      }
      clearTimeout(handshakeTimer);
      welcomed = this.checkWelcome(ws, frame);
      if (welcomed) this.onDialOpen(ws);
    });
    ws.on('error', (err) => {
      this.ctx.logOnce(
        `link:${this.peer}:error:${err.message}`,
        `cannot reach member ${this.peer} at ${this.url}: ${err.message}`,
        { peer: this.peer, url: this.url },
      );
    });
    ws.on('close', (code, reason) => {
      clearTimeout(handshakeTimer);
      this.onDialClose(ws, code, reason.toString());
    });
  }

  /** Handles a frame on our dial after the handshake: a batch, if the dial is still the stream. */
  private receiveOn(ws: WebSocket, frame: Buffer | undefined): void {
    // A replaced connection's late frames are dropped, so delivery never goes back in order.
    if (ws !== this.stream || ws.readyState !== WebSocket.OPEN) return;
    this.ctx.stats.receivedFrames++;
    try {
      if (frame === undefined) {
        throw new TransportError({ code: 'DECODE_FAILED', message: 'not a binary frame' });
      }
      this.receive(frame);
    } catch (error) {
      const from = `member ${this.peer} at ${this.url}`;
      closeDecodeFailed(this.ctx, ws, { error, from, logKey: `link:${this.peer}:decode` });
    }
  }

  /** Checks the WELCOME on our dial; returns true when it is the member we meant to reach. */
  private checkWelcome(ws: WebSocket, frame: Buffer | undefined): boolean {
    if (frame?.[0] !== frameKinds.WELCOME) {
      ws.close(closeCodes.DECODE_FAILED, 'expected welcome');
      return false;
    }
    let refusal: { closeCode: number; reason: string } | undefined;
    try {
      refusal = checkWelcome(this.ctx, frame.subarray(1), this.peer);
    } catch (e) {
      if (!isTransportError(e, 'DECODE_FAILED')) throw e;
      refusal = { closeCode: closeCodes.DECODE_FAILED, reason: 'bad welcome' };
    }
    if (refusal === undefined) return true;
    this.ctx.stats.handshakesRefused++;
    this.ctx.logOnce(
      `link:${this.peer}:refused:${refusal.closeCode}`,
      `refusing member ${this.peer} at ${this.url}: ${refusal.reason}`,
      { code: 'HANDSHAKE_REFUSED', peer: this.peer, url: this.url, closeCode: refusal.closeCode },
    );
    ws.close(refusal.closeCode, refusal.reason);
    return false;
  }

  private onDialOpen(ws: WebSocket): void {
    this.attempt = 0;
    this.ctx.forgetPrefix(`link:${this.peer}:`);
    if (ws !== this.dial || this.stream !== undefined) {
      // The peer's own dial got through first and won: ours is not needed.
      ws.close(closeCodes.REPLACED, 'the pair has a connection already');
      return;
    }
    this.stopDialLiveness = startLiveness(ws, this.ctx.limits.pingMs);
    this.adopt(ws);
    this.ctx.logger.info(`connected to member ${this.peer} at ${this.url}`, {
      peer: this.peer,
      url: this.url,
    });
  }

  /**
   * True when a stream connection the peer dialled may become the stream: always for the higher
   * member, and for the lower one while it has no dial of its own in flight or open.
   */
  mayAdoptInbound(): boolean {
    return !this.closed && !(this.dialWins && this.dial !== undefined);
  }

  /** Makes a stream connection the peer dialled (handshaken, WELCOME sent) the stream. */
  adoptInbound(ws: WebSocket): void {
    assert(this.mayAdoptInbound(), 'an inbound stream is adopted only when allowed');
    const wasDown = this.stream === undefined;
    this.adopt(ws);
    this.abandonDial();
    if (wasDown) this.ctx.logger.info(`member ${this.peer} connected`, { peer: this.peer });
  }

  /** True when `ws` is the connection the link currently sends and receives on. */
  isStream(ws: WebSocket): boolean {
    return ws === this.stream;
  }

  /** A connection the peer dialled has closed with `code`. */
  inboundClosed(ws: WebSocket, code: number): void {
    if (ws !== this.stream) return;
    this.streamLost(code);
    this.maybeRedial();
  }

  /** Makes `ws` the stream; an older stream is closed, and its late frames dropped. */
  private adopt(ws: WebSocket): void {
    const old = this.stream;
    this.stream = ws;
    this.connectedSince ??= performance.now();
    if (old !== undefined && old !== ws) {
      old.close(closeCodes.REPLACED, 'replaced by a newer connection');
    }
    if (this.queue.length > 0 && !this.flushScheduled && !this.awaitingDrain) this.flush();
  }

  /** Stops dialling once the peer's dial is the stream. */
  private abandonDial(): void {
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const dial = this.dial;
    if (dial === undefined || dial === this.stream) return;
    this.dial = undefined;
    this.stopDialLiveness?.();
    this.stopDialLiveness = undefined;
    if (dial.readyState === WebSocket.CONNECTING) dial.terminate();
    else dial.close(closeCodes.REPLACED, 'the pair has a connection already');
  }

  private streamLost(code: number): void {
    this.stream = undefined;
    this.connectedSince = undefined;
    this.awaitingDrain = false;
    if (this.queue.length > 0) this.ctx.stats.droppedDisconnected += this.queue.length;
    this.queue = [];
    this.queueBytes = 0;
    if (this.closed) return;
    this.ctx.logger.info(`lost connection to member ${this.peer} (${code})`, {
      peer: this.peer,
      closeCode: code,
    });
    this.ctx.reportUnreachable(this.peer);
  }

  private onDialClose(ws: WebSocket, code: number, reason: string): void {
    if (ws === this.dial) {
      this.dial = undefined;
      this.stopDialLiveness?.();
      this.stopDialLiveness = undefined;
    }
    if (ws === this.stream) this.streamLost(code);
    if (this.closed) return;
    if (isRefusalCode(code)) {
      this.ctx.stats.handshakesRefused++;
      this.ctx.logOnce(
        `link:${this.peer}:refused:${code}`,
        `member ${this.peer} at ${this.url} refused our connection: ${reason}`,
        { code: 'HANDSHAKE_REFUSED', peer: this.peer, url: this.url, closeCode: code },
      );
      if (code === closeCodes.MEMBER_REMOVED) this.ctx.reportRemoved(this.peer);
    }
    this.maybeRedial();
  }

  private maybeRedial(): void {
    if (this.dial !== undefined || this.reconnectTimer !== undefined || !this.shouldDial()) return;
    const delayMs = reconnectDelayMs(this.attempt, this.ctx.limits, this.ctx.random);
    this.attempt++;
    this.reconnectTimer = setTimeout(() => {
      this.connect();
    }, delayMs);
    this.reconnectTimer.unref();
  }

  /** Closes the link's connections for good and drops whatever is queued. Idempotent. */
  close(code: number = closeCodes.GOING_AWAY): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.connectedSince = undefined;
    this.stopDialLiveness?.();
    this.queue = [];
    this.queueBytes = 0;
    for (const ws of new Set([this.stream, this.dial])) {
      if (ws === undefined) continue;
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close(code, 'closing');
    }
    this.stream = undefined;
    this.dial = undefined;
  }
}
