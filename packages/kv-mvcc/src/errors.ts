/** Error codes of the MVCC store, with whether retrying the same call can succeed. */
export const mvccErrorCodes = {
  /** The requested revision has been compacted. */
  COMPACTED: { retryable: false },
  /** The requested revision is newer than the current revision. */
  FUTURE_REV: { retryable: false },
} as const;

/** A stable code of `MvccError`; codes are public API and never renamed. */
export type MvccErrorCode = keyof typeof mvccErrorCodes;

/** An expected failure of the MVCC store, identified by a stable `code`. */
export class MvccError extends Error {
  override readonly name = 'MvccError';
  readonly code: MvccErrorCode;
  constructor(opts: { code: MvccErrorCode; message?: string; cause?: unknown }) {
    super(opts.message ?? opts.code, { cause: opts.cause });
    this.code = opts.code;
  }
}

/** True when `e` is a `MvccError`, and has `code` when one is given. */
export function isMvccError(e: unknown, code?: MvccErrorCode): e is MvccError {
  return e instanceof MvccError && (code === undefined || e.code === code);
}
