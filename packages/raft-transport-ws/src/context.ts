// What the pieces of one transport share: identity, limits, logging with "once per cause"
// de-duplication, counters, and the batched unreachable report. Internal to the package.
import type { WebSocket } from 'ws';
import type { Message } from '@keel/raft-core';
import type { TransportErrorCode } from './errors.js';
import type { TransportLimits } from './limits.js';
import { refusalLogKeysMax } from './limits.js';

/** Structured fields of a log line; `code` is a TransportError code where one applies. */
export interface LogFields {
  readonly code?: TransportErrorCode;
  readonly peer?: number;
  readonly url?: string;
  readonly closeCode?: number;
}

/**
 * Where the transport writes its log lines; no method may throw. `warn` lines are de-duplicated
 * per cause (one line per refused peer, not one per retry); `debug`, when given, hears every
 * attempt, retry and refusal.
 */
export interface TransportLogger {
  info(message: string, fields: LogFields): void;
  warn(message: string, fields: LogFields): void;
  debug?(message: string, fields: LogFields): void;
}

/** Counters of what the transport did; all only grow. */
export interface TransportStats {
  sentMsgs: number;
  sentFrames: number;
  receivedMsgs: number;
  receivedFrames: number;
  droppedQueueFull: number;
  droppedDisconnected: number;
  droppedUnknownPeer: number;
  droppedFrameTooLarge: number;
  droppedByFaults: number;
  decodeFailures: number;
  handshakesRefused: number;
}

/** TLS options handed to `ws` clients (already loaded from files). */
export interface ClientTlsOptions {
  /** Absent: the peer's certificate is verified against Node's default root CAs. */
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

/** The state every link and inbound connection of one transport shares. */
export interface TransportContext {
  readonly memberId: number;
  readonly clusterId: string;
  readonly clusterToken: string;
  readonly limits: TransportLimits;
  readonly logger: TransportLogger;
  readonly random: () => number;
  readonly stats: TransportStats;
  clientTls: ClientTlsOptions | undefined;
  /** Logs `message` as a warning unless the same `key` was logged and not forgotten since. */
  logOnce(key: string, message: string, fields: LogFields): void;
  /** Forgets every logged key starting with `prefix`, so its causes are logged again. */
  forgetPrefix(prefix: string): void;
  reportUnreachable(peer: number): void;
  /** A peer refused this member as removed from the cluster. */
  reportRemoved(peer: number): void;
  /**
   * Flushes of links with messages queued in this turn, not yet run. A stream runs them right
   * after it delivered a frame's messages, so what the handlers sent in reply leaves at once.
   */
  readonly pendingFlushes: Set<() => void>;
}

/** A no-op logger, the default: the transport is silent unless given one. */
export const silentLogger: TransportLogger = {
  info: () => undefined,
  warn: () => undefined,
};

/** Fresh zeroed counters. */
export function newStats(): TransportStats {
  return {
    sentMsgs: 0,
    sentFrames: 0,
    receivedMsgs: 0,
    receivedFrames: 0,
    droppedQueueFull: 0,
    droppedDisconnected: 0,
    droppedUnknownPeer: 0,
    droppedFrameTooLarge: 0,
    droppedByFaults: 0,
    decodeFailures: 0,
    handshakesRefused: 0,
  };
}

/** Options of `newContext`. */
export interface ContextOptions {
  readonly memberId: number;
  readonly clusterId: string;
  readonly clusterToken: string;
  readonly limits: TransportLimits;
  readonly logger: TransportLogger;
  readonly random: () => number;
  readonly onUnreachable: (peer: number) => void;
  readonly onRemoved?: (peer: number) => void;
}

/**
 * Builds the shared context. Unreachable reports are collected and delivered once per peer in a
 * later turn, so `onUnreachable` never runs inside `send()` and never floods the caller.
 */
export function newContext(o: ContextOptions): TransportContext {
  const logged = new Set<string>();
  const unreachable = new Set<number>();
  let reportScheduled = false;
  const flushReports = (): void => {
    reportScheduled = false;
    const peers = [...unreachable].sort((a, b) => a - b);
    unreachable.clear();
    for (const peer of peers) o.onUnreachable(peer);
  };
  return {
    memberId: o.memberId,
    clusterId: o.clusterId,
    clusterToken: o.clusterToken,
    limits: o.limits,
    logger: o.logger,
    random: o.random,
    stats: newStats(),
    clientTls: undefined,
    logOnce(key, message, fields) {
      o.logger.debug?.(message, fields);
      if (logged.has(key)) return;
      // Bounded: a flood of distinct causes (e.g. random member ids) restarts the memory.
      if (logged.size >= refusalLogKeysMax) logged.clear();
      logged.add(key);
      o.logger.warn(message, fields);
    },
    forgetPrefix(prefix) {
      for (const key of logged) if (key.startsWith(prefix)) logged.delete(key);
    },
    reportRemoved(peer) {
      o.onRemoved?.(peer);
    },
    pendingFlushes: new Set(),
    reportUnreachable(peer) {
      unreachable.add(peer);
      if (reportScheduled) return;
      reportScheduled = true;
      setImmediate(flushReports);
    },
  };
}

/**
 * Starts liveness checks on `ws`: every `pingMs` a ping goes out, and a connection that showed
 * no sign of life since the previous ping is terminated (a half-open TCP connection never closes
 * by itself). A pong, a ping or a frame from the peer all count as life: a receiver that paused
 * its socket for backpressure cannot read our pings, but its own pings still reach us. While we
 * have paused the socket ourselves we send pings but do not judge. Returns the stop function.
 */
export function startLiveness(ws: WebSocket, pingMs: number): () => void {
  let heard = true;
  const onLife = (): void => {
    heard = true;
  };
  ws.on('pong', onLife);
  ws.on('ping', onLife);
  ws.on('message', onLife);
  const timer = setInterval(() => {
    if (!heard && !ws.isPaused) {
      ws.terminate();
      return;
    }
    heard = ws.isPaused;
    ws.ping();
  }, pingMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    ws.off('pong', onLife);
    ws.off('ping', onLife);
    ws.off('message', onLife);
  };
}

/** A message handler as the embedder supplies it. */
export type MessageHandler = (m: Message) => void;

/** Frame bytes of a ws 'message' event, or undefined when it was not one binary Buffer. */
export function frameBytes(data: unknown, isBinary: boolean): Buffer | undefined {
  return isBinary && Buffer.isBuffer(data) && data.byteLength >= 1 ? data : undefined;
}
