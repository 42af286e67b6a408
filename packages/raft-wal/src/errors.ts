/** Error codes of the durable Raft log, with whether retrying the same call can succeed. */
export const walErrorCodes = {
  /** Stored data failed its checksum, has a gap or cannot be decoded; the message names the index. */
  CORRUPT: { retryable: false },
  /**
   * The disk, the LMDB map or the log's byte quota (`logBytesMax`) is full; nothing of the failed
   * write was kept. Retrying succeeds only once space is freed (for example by `compactLog`).
   */
  FULL: { retryable: false },
  /** The log was used after close(), or close() rejected a save that had not yet been written. */
  CLOSED: { retryable: false },
  /** More than `pendingOpsMax` writes are waiting for the next transaction; nothing was queued. */
  OVERLOADED: { retryable: true },
} as const;

/** A stable code of `WalError`; codes are public API and never renamed. */
export type WalErrorCode = keyof typeof walErrorCodes;

/** An expected failure of the durable Raft log, identified by a stable `code`. */
export class WalError extends Error {
  override readonly name = 'WalError';
  readonly code: WalErrorCode;
  constructor(opts: { code: WalErrorCode; message?: string; cause?: unknown }) {
    super(opts.message ?? opts.code, { cause: opts.cause });
    this.code = opts.code;
  }
}

/** True when `e` is a `WalError`, and has `code` when one is given. */
export function isWalError(e: unknown, code?: WalErrorCode): e is WalError {
  return e instanceof WalError && (code === undefined || e.code === code);
}

/** A `CORRUPT` error naming the damaged index and what was wrong with it. */
export function corruptAt(index: number, what: string, cause?: unknown): WalError {
  return new WalError({
    code: 'CORRUPT',
    message: `raft log entry ${String(index)} is damaged: ${what}`,
    cause,
  });
}
