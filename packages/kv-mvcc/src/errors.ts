/**
 * Error codes of the MVCC store, with whether retrying the same call can succeed. Each one is an
 * etcd condition with etcd's meaning; the comment gives etcd's error (rpctypes / mvcc / lease).
 */
export const mvccErrorCodes = {
  /** The requested revision has been compacted (mvcc.ErrCompacted), or a compaction asked for a
   * revision not above the compacted one. */
  COMPACTED: { retryable: false },
  /** The requested revision is newer than the current revision (mvcc.ErrFutureRev). */
  FUTURE_REV: { retryable: false },
  /** A request needs a key and got an empty one (rpctypes.ErrEmptyKey, "key is not provided"). */
  EMPTY_KEY: { retryable: false },
  /** A put with ignoreValue or ignoreLease named a key that does not exist
   * (rpctypes.ErrKeyNotFound). */
  KEY_NOT_FOUND: { retryable: false },
  /** A put with ignoreValue also gave a value (rpctypes.ErrValueProvided). */
  VALUE_PROVIDED: { retryable: false },
  /** A put with ignoreLease also gave a lease (rpctypes.ErrLeaseProvided). */
  LEASE_PROVIDED: { retryable: false },
  /** A txn has more operations in one branch (or compares) than maxTxnOps
   * (rpctypes.ErrTooManyOps). */
  TOO_MANY_OPS: { retryable: false },
  /** A txn writes the same key twice, or a put overlaps a delete range (rpctypes.ErrDuplicateKey). */
  DUPLICATE_KEY: { retryable: false },
  /** A Range asked for a sort order or target etcd does not have (rpctypes.ErrInvalidSortOption). */
  INVALID_SORT_OPTION: { retryable: false },
  /** The named lease does not exist: never granted, revoked or expired (lease.ErrLeaseNotFound). */
  LEASE_NOT_FOUND: { retryable: false },
  /** LeaseGrant asked for an ID that is already in use (lease.ErrLeaseExists). */
  LEASE_EXISTS: { retryable: false },
  /** LeaseGrant asked for a TTL beyond the maximum (lease.ErrLeaseTTLTooLarge). */
  LEASE_TTL_TOO_LARGE: { retryable: false },
  /** The storage quota is exhausted and the NOSPACE alarm is raised (rpctypes.ErrNoSpace); reads,
   * deletes and compaction still work, and the alarm must be disarmed after freeing space. */
  NO_SPACE: { retryable: false },
  /** A request field is out of range (e.g. a negative revision or limit, a lease ID above 2^53-1):
   * etcd answers such requests with InvalidArgument. */
  INVALID_ARGUMENT: { retryable: false },
  /** An apply batch repeated or skipped a log index: the caller's applied index disagrees with
   * the store's consistent index. */
  INDEX_MISMATCH: { retryable: false },
  /** A snapshot stream is truncated or damaged, or the restore target is not empty. */
  SNAPSHOT_INVALID: { retryable: false },
  /** A store option is missing or out of range; the message names it. */
  INVALID_CONFIG: { retryable: false },
  /** The store's files are in an on-disk format this version does not read (written by another
   * version); the message says what to do. */
  FORMAT_UNSUPPORTED: { retryable: false },
  /** The store was closed. */
  CLOSED: { retryable: false },
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
