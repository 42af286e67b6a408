/** Error codes of the embedded server, with whether retrying the same call can succeed. */
export const embedErrorCodes = {
  /** A config field breaks one of etcd's rules; the message names the field and the rule. */
  INVALID_CONFIG: { retryable: false },
  /** The request needs a leader and this member has none or is not it. */
  NOT_LEADER: { retryable: true },
  /** The request did not complete within its time limit; its outcome is unknown. */
  TIMEOUT: { retryable: true },
  /** The server was closed before the request completed. */
  STOPPED: { retryable: false },
  /**
   * A bounded queue was full, or apply lags commit by more than `applyLagEntriesMax` entries
   * (etcd's "too many requests"); try again later.
   */
  OVERLOADED: { retryable: true },
  /** The encoded request is larger than `maxRequestBytes` (etcd's "request is too large"). */
  REQUEST_TOO_LARGE: { retryable: false },
  /**
   * The data directory is inconsistent and cannot be started from (for example the Raft log
   * holds a snapshot the store never received); the message says what is missing.
   */
  DATA_DIR_DAMAGED: { retryable: false },
  /** The operation is part of etcd's API but not built in Keel yet; the message names it. */
  UNSUPPORTED: { retryable: false },
} as const;

/** A stable code of `EmbedError`; codes are public API and never renamed. */
export type EmbedErrorCode = keyof typeof embedErrorCodes;

/** An expected failure of the embedded server, identified by a stable `code`. */
export class EmbedError extends Error {
  override readonly name = 'EmbedError';
  readonly code: EmbedErrorCode;
  /** For `INVALID_CONFIG`: the `ServerConfig` field at fault, so callers can name their own flag. */
  readonly field?: string;
  constructor(opts: { code: EmbedErrorCode; message?: string; cause?: unknown; field?: string }) {
    super(opts.message ?? opts.code, { cause: opts.cause });
    this.code = opts.code;
    if (opts.field !== undefined) this.field = opts.field;
  }
}

/** True when `e` is a `EmbedError`, and has `code` when one is given. */
export function isEmbedError(e: unknown, code?: EmbedErrorCode): e is EmbedError {
  return e instanceof EmbedError && (code === undefined || e.code === code);
}
