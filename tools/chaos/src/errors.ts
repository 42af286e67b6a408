/** Error codes raised by the chaos checkers for expected operating conditions. */
export const chaosErrorCodes = {
  /** A history is malformed: bad times, an outcome or output that does not fit its operation. */
  INVALID_HISTORY: { retryable: false },
  /** A checker option is out of range; the message names it. */
  INVALID_OPTIONS: { retryable: false },
  /** The lost-writes check was given an acknowledged write on a key that has no final read. */
  MISSING_FINAL_READ: { retryable: false },
  /**
   * The chaos runner's cluster could not be used: a member did not start or answer in time, or the
   * cluster did not serve a final read after healing. The message names the member and the cause.
   */
  CLUSTER_FAILED: { retryable: true },
} as const;

/** A stable code of `ChaosError`. */
export type ChaosErrorCode = keyof typeof chaosErrorCodes;

/** An expected failure of a chaos checker, identified by a stable `code`. */
export class ChaosError extends Error {
  override readonly name = 'ChaosError';
  readonly code: ChaosErrorCode;
  constructor(opts: { code: ChaosErrorCode; message?: string; cause?: unknown }) {
    super(opts.message ?? opts.code, { cause: opts.cause });
    this.code = opts.code;
  }
}

/** True when `e` is a `ChaosError`, and has `code` when one is given. */
export function isChaosError(e: unknown, code?: ChaosErrorCode): e is ChaosError {
  return e instanceof ChaosError && (code === undefined || e.code === code);
}
