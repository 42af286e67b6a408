/** The demo's error codes (STYLE.md §5); none is retryable without the change its message names. */
export const demoErrorCodes = {
  /** A `keel` member process exited before it served clients, or the command could not run. */
  MEMBER_EXITED: { retryable: false },
  /** The final check could not read the acknowledged writes back (no member answered in time). */
  CHECK_FAILED: { retryable: false },
} as const;

/** One of `demoErrorCodes`. */
export type DemoErrorCode = keyof typeof demoErrorCodes;

/** A failure of the three-member demo with a stable code; the message says what to do. */
export class DemoError extends Error {
  override readonly name = 'DemoError';
  readonly code: DemoErrorCode;

  constructor(options: { code: DemoErrorCode; message?: string; cause?: unknown }) {
    super(options.message ?? options.code, { cause: options.cause });
    this.code = options.code;
  }
}

/** Whether `e` is a DemoError (with `code`, when given). */
export function isDemoError(e: unknown, code?: DemoErrorCode): e is DemoError {
  return e instanceof DemoError && (code === undefined || e.code === code);
}
