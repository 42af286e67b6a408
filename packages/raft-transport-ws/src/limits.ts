// Named defaults and hard caps of the transport (STYLE.md §8). Every queue, frame and wait has
// a bound here; a config may lower or raise a default up to its cap, and `checkLimits` says
// which field is wrong when it does not fit.
import { assert } from './assert.js';
import { TransportError } from './errors.js';

/** The tunable bounds of one transport. Sizes are in bytes, durations in milliseconds. */
export interface TransportLimits {
  /** Largest WebSocket frame sent or accepted (ws `maxPayload`); larger ones are refused. */
  readonly frameBytesMax: number;
  /** Most messages waiting in one peer's send queue; beyond it messages are dropped. */
  readonly sendQueueMsgsMax: number;
  /** Most encoded bytes waiting in one peer's send queue; beyond it messages are dropped. */
  readonly sendQueueBytesMax: number;
  /** Stop handing frames to a socket while it holds more than this many unsent bytes. */
  readonly socketBufferedBytesMax: number;
  /** Interval of liveness pings; a connection whose pong has not come back by the next ping is terminated. */
  readonly pingMs: number;
  /** How long a new connection may take to complete the hello/welcome exchange. */
  readonly handshakeWaitMs: number;
  /** First reconnect delay; it doubles per failed attempt up to `reconnectMaxMs`, jittered. */
  readonly reconnectBaseMs: number;
  /** Longest reconnect delay. */
  readonly reconnectMaxMs: number;
  /** Largest snapshot chunk per frame; bigger source chunks are split. */
  readonly snapshotChunkBytes: number;
  /** Snapshot bytes received but not yet consumed before the socket is paused. */
  readonly snapshotRecvBufferedBytesMax: number;
}

/** The defaults (etcd keeps 4096 messages per peer stream; we do the same). */
export const defaultLimits: TransportLimits = {
  frameBytesMax: 16 * 1024 * 1024,
  sendQueueMsgsMax: 4096,
  sendQueueBytesMax: 64 * 1024 * 1024,
  socketBufferedBytesMax: 4 * 1024 * 1024,
  pingMs: 2000,
  handshakeWaitMs: 5000,
  reconnectBaseMs: 100,
  reconnectMaxMs: 5000,
  snapshotChunkBytes: 1024 * 1024,
  snapshotRecvBufferedBytesMax: 8 * 1024 * 1024,
};

/** Hard caps: no config may go above these, whatever it asks. */
export const limitCaps: TransportLimits = {
  frameBytesMax: 256 * 1024 * 1024,
  sendQueueMsgsMax: 1_000_000,
  sendQueueBytesMax: 1024 * 1024 * 1024,
  socketBufferedBytesMax: 256 * 1024 * 1024,
  pingMs: 600_000,
  handshakeWaitMs: 600_000,
  reconnectBaseMs: 600_000,
  reconnectMaxMs: 600_000,
  snapshotChunkBytes: 64 * 1024 * 1024,
  snapshotRecvBufferedBytesMax: 1024 * 1024 * 1024,
};

/** Bytes a frame spends before its payload: the one-byte frame kind. */
export const frameHeaderBytes = 1;

/**
 * A batch frame takes no further message once it holds this many bytes: a large turn leaves as
 * several frames, so the receiver decodes the first while the rest are still being written
 * (one huge frame would make the two ends take turns instead of working at once). At 16 KiB a
 * frame mostly fits in one socket read, so the receiving ws seldom has to join pieces of it
 * (measured: appends of 64 x 256 B ran about 5% faster than with 64 KiB frames). Small
 * messages still share a frame by the hundred.
 */
export const batchBytesTarget = 16 * 1024;

/** Most distinct refusal log keys remembered to keep "one log line per cause" bounded. */
export const refusalLogKeysMax = 1024;

/** Most snapshot streams one transport receives at a time; more are refused. */
export const snapshotsInboundMax = 4;

assert(defaultLimits.snapshotChunkBytes + frameHeaderBytes <= defaultLimits.frameBytesMax, 'chunk');
assert(defaultLimits.reconnectBaseMs <= defaultLimits.reconnectMaxMs, 'reconnect');
for (const key of Object.keys(defaultLimits) as (keyof TransportLimits)[]) {
  assert(defaultLimits[key] <= limitCaps[key], `default ${key} above its cap`);
}

function invalid(message: string): never {
  throw new TransportError({ code: 'INVALID_CONFIG', message });
}

/**
 * Merges `overrides` over the defaults and checks every field and the relations between them.
 *
 * @throws TransportError `INVALID_CONFIG`, naming the field.
 */
export function resolveLimits(overrides: Partial<TransportLimits> = {}): TransportLimits {
  const limits = { ...defaultLimits, ...overrides };
  for (const key of Object.keys(defaultLimits) as (keyof TransportLimits)[]) {
    const v = limits[key];
    if (!Number.isSafeInteger(v) || v <= 0) invalid(`limits.${key} must be a positive integer`);
    if (v > limitCaps[key]) invalid(`limits.${key} must be at most ${limitCaps[key]}`);
  }
  if (limits.snapshotChunkBytes + frameHeaderBytes > limits.frameBytesMax) {
    invalid('limits.snapshotChunkBytes must leave room for the frame header in frameBytesMax');
  }
  if (limits.reconnectBaseMs > limits.reconnectMaxMs) {
    invalid('limits.reconnectBaseMs must not exceed limits.reconnectMaxMs');
  }
  if (limits.frameBytesMax > limits.sendQueueBytesMax) {
    invalid('limits.frameBytesMax must not exceed limits.sendQueueBytesMax');
  }
  return limits;
}
