/** Error codes of the peer transport, with whether retrying the same call can succeed. */
export const transportErrorCodes = {
  /** A message was addressed to, or came from, a member the transport does not know. */
  PEER_UNKNOWN: { retryable: false },
  /** A frame exceeded frameBytesMax, on sending or on receiving. */
  FRAME_TOO_LARGE: { retryable: false },
  /** A frame could not be decoded or failed message validation; the connection was closed. */
  DECODE_FAILED: { retryable: false },
  /** A peer's send queue was full; the message was dropped and the peer reported unreachable. */
  QUEUE_FULL: { retryable: true },
  /** The transport was used after close(). */
  CLOSED: { retryable: false },
  /** The transport's config is wrong: a field out of range, or an unreadable or bad TLS file. */
  INVALID_CONFIG: { retryable: false },
  /**
   * A peer connection was refused at the handshake: protocol version, cluster ID, cluster token
   * or member IDs do not match. Retried with backoff, since the other side may be reconfigured.
   */
  HANDSHAKE_REFUSED: { retryable: true },
  /** A snapshot stream broke, failed its checksum, or its receiver refused it. */
  SNAPSHOT_FAILED: { retryable: true },
} as const;

/** A stable code of `TransportError`; codes are public API and never renamed. */
export type TransportErrorCode = keyof typeof transportErrorCodes;

/** An expected failure of the peer transport, identified by a stable `code`. */
export class TransportError extends Error {
  override readonly name = 'TransportError';
  readonly code: TransportErrorCode;
  constructor(opts: { code: TransportErrorCode; message?: string; cause?: unknown }) {
    super(opts.message ?? opts.code, { cause: opts.cause });
    this.code = opts.code;
  }
}

/** True when `e` is a `TransportError`, and has `code` when one is given. */
export function isTransportError(e: unknown, code?: TransportErrorCode): e is TransportError {
  return e instanceof TransportError && (code === undefined || e.code === code);
}
