/** Error codes of the durable Raft log, with whether retrying the same call can succeed. */
export const walErrorCodes = {
  /** Stored data failed its checksum, has a gap or cannot be decoded; the message names the index. */
  CORRUPT: { retryable: false },
  /** The disk or the LMDB map is full; nothing of the failed write was kept. */
  FULL: { retryable: false },
  /** The log was used after close(). */
  CLOSED: { retryable: false },
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
