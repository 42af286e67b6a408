// One outbound stream connection to one peer: the only path our messages to that peer take, so
// per-link order is the order of one TCP connection. It owns the bounded send queue, batches a
// turn's messages into frames of about batchBytesTarget, reconnects with jittered exponential backoff, and keeps the
// time since it has been continuously connected.
import { performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import { assert } from './assert.js';
import { buildFrame, connPurposes, frameKinds, type EncodedMessage } from './codec.js';
import { frameBytes, startLiveness, type TransportContext } from './context.js';
import { isTransportError } from './errors.js';
import { checkWelcome, closeCodes, helloFrame, isRefusalCode } from './handshake.js';
import { batchBytesTarget, frameHeaderBytes, type TransportLimits } from './limits.js';

type LinkState = 'idle' | 'connecting' | 'open' | 'closed';

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

/** The outbound half of a peer: see the file comment. */
export class PeerLink {
  private state: LinkState = 'idle';
  private ws: WebSocket | undefined;
  // Invariant: queueBytes is the sum of the byte lengths in queue.
  private queue: EncodedMessage[] = [];
  private queueBytes = 0;
  private flushScheduled = false;
  private awaitingDrain = false;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private stopLiveness: (() => void) | undefined;
  private queueFullEpisode = false;
  /** `performance.now()` when the current connection completed its handshake. */
  connectedSince: number | undefined;

  constructor(
    private readonly ctx: TransportContext,
    readonly peer: number,
    readonly url: string,
  ) {}

  /** Starts connecting; idempotent. */
  start(): void {
    if (this.state === 'idle' && this.reconnectTimer === undefined) this.connect();
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
    if (this.state !== 'open') {
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
      queueMicrotask(() => {
        this.flushScheduled = false;
        this.flush();
      });
    }
  }

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
    const ws = this.ws;
    if (this.state !== 'open' || ws === undefined || this.queue.length === 0) return;
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
      if (frame !== undefined) ws.send(frame, { binary: true });
      frame = buildFrame(frameKinds.BATCH, parts);
      // Pair assertion: frames are checked against frameBytesMax here and by the receiver.
      assert(frame.byteLength === sizeBytes, 'a frame is as long as its parts');
      if (taken - start > 1) assert(sizeBytes <= limits.frameBytesMax, 'a batch fits in a frame');
      this.countSent(taken - start, sizeBytes - frameHeaderBytes);
    } while (taken < this.queue.length && ws.bufferedAmount < limits.socketBufferedBytesMax);
    this.queue = taken === this.queue.length ? [] : this.queue.slice(taken);
    if (this.queue.length === 0) {
      this.queueFullEpisode = false;
      ws.send(frame, { binary: true });
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
    if (this.state === 'closed') return;
    this.state = 'connecting';
    const ws = new WebSocket(this.url, clientOptions(this.ctx));
    this.ws = ws;
    const handshakeTimer = setTimeout(() => {
      ws.close(closeCodes.HANDSHAKE_TIMEOUT, 'no welcome in time');
    }, this.ctx.limits.handshakeWaitMs);
    ws.on('open', () => {
      ws.send(helloFrame(this.ctx, this.peer, connPurposes.STREAM), { binary: true });
    });
    ws.on('message', (data, isBinary) => {
      clearTimeout(handshakeTimer);
      this.onFrame(ws, frameBytes(data, isBinary));
    });
    ws.on('error', (err) => {
      this.ctx.logOnce(
        `link:${this.peer}:error:${err.message}`,
        `cannot reach member ${this.peer} at ${this.url}: ${err.message}`,
        {
          peer: this.peer,
          url: this.url,
        },
      );
    });
    ws.on('close', (code, reason) => {
      clearTimeout(handshakeTimer);
      this.onClose(ws, code, reason.toString());
    });
  }

  private onFrame(ws: WebSocket, frame: Buffer | undefined): void {
    if (ws !== this.ws || this.state !== 'connecting') {
      ws.close(closeCodes.DECODE_FAILED, 'unexpected frame');
      return;
    }
    if (frame?.[0] !== frameKinds.WELCOME) {
      ws.close(closeCodes.DECODE_FAILED, 'expected welcome');
      return;
    }
    let refusal: { closeCode: number; reason: string } | undefined;
    try {
      refusal = checkWelcome(this.ctx, frame.subarray(1), this.peer);
    } catch (e) {
      if (!isTransportError(e, 'DECODE_FAILED')) throw e;
      refusal = { closeCode: closeCodes.DECODE_FAILED, reason: 'bad welcome' };
    }
    if (refusal !== undefined) {
      this.ctx.stats.handshakesRefused++;
      this.ctx.logOnce(
        `link:${this.peer}:refused:${refusal.closeCode}`,
        `refusing member ${this.peer} at ${this.url}: ${refusal.reason}`,
        { code: 'HANDSHAKE_REFUSED', peer: this.peer, url: this.url, closeCode: refusal.closeCode },
      );
      ws.close(refusal.closeCode, refusal.reason);
      return;
    }
    this.onOpen(ws);
  }

  private onOpen(ws: WebSocket): void {
    this.state = 'open';
    this.attempt = 0;
    this.connectedSince = performance.now();
    this.stopLiveness = startLiveness(ws, this.ctx.limits.pingMs);
    this.ctx.forgetPrefix(`link:${this.peer}:`);
    this.ctx.logger.info(`connected to member ${this.peer} at ${this.url}`, {
      peer: this.peer,
      url: this.url,
    });
  }

  private onClose(ws: WebSocket, code: number, reason: string): void {
    if (ws !== this.ws) return;
    this.ws = undefined;
    this.stopLiveness?.();
    this.stopLiveness = undefined;
    const wasOpen = this.state === 'open';
    this.connectedSince = undefined;
    this.awaitingDrain = false;
    if (this.queue.length > 0) {
      this.ctx.stats.droppedDisconnected += this.queue.length;
      this.ctx.reportUnreachable(this.peer);
    }
    this.queue = [];
    this.queueBytes = 0;
    if (this.state === 'closed') return;
    this.state = 'idle';
    if (isRefusalCode(code)) {
      this.ctx.stats.handshakesRefused++;
      this.ctx.logOnce(
        `link:${this.peer}:refused:${code}`,
        `member ${this.peer} at ${this.url} refused our connection: ${reason}`,
        { code: 'HANDSHAKE_REFUSED', peer: this.peer, url: this.url, closeCode: code },
      );
      if (code === closeCodes.MEMBER_REMOVED) this.ctx.reportRemoved(this.peer);
    } else if (wasOpen) {
      this.ctx.logger.info(`lost connection to member ${this.peer} (${code})`, {
        peer: this.peer,
        closeCode: code,
      });
      this.ctx.reportUnreachable(this.peer);
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const delayMs = reconnectDelayMs(this.attempt, this.ctx.limits, this.ctx.random);
    this.attempt++;
    this.reconnectTimer = setTimeout(() => {
      this.connect();
    }, delayMs);
    this.reconnectTimer.unref();
  }

  /** Closes the connection for good and drops whatever is queued. Idempotent. */
  close(code: number = closeCodes.GOING_AWAY): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.connectedSince = undefined;
    this.stopLiveness?.();
    this.queue = [];
    this.queueBytes = 0;
    const ws = this.ws;
    this.ws = undefined;
    if (ws === undefined) return;
    if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
    else ws.close(code, 'closing');
  }
}
