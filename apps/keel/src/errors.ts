/**
 * Error codes of the `keel` command line, each with the process exit status etcd (or etcdutl)
 * uses for the same failure, and whether running the same command again can succeed.
 */
export const keelErrorCodes = {
  /** A flag etcd does not define, or bad flag syntax; etcd's flag parser exits 2. */
  UNKNOWN_FLAG: { exitCode: 2, retryable: false },
  /** A flag's value does not parse as its type (`--heartbeat-interval=abc`); exit 2 as etcd. */
  BAD_FLAG_VALUE: { exitCode: 2, retryable: false },
  /** An etcd flag whose behaviour keel does not implement, set to a value other than etcd's default. */
  UNSUPPORTED_FLAG: { exitCode: 2, retryable: false },
  /** A word that is not a flag after the flags (`--pre-vote false`); etcd exits 1. */
  NOT_A_FLAG: { exitCode: 1, retryable: false },
  /** An `ETCD_*` variable whose value does not parse; etcd exits 1. */
  BAD_ENV_VALUE: { exitCode: 1, retryable: false },
  /** An `ETCD_*` variable and its flag are both set; etcd refuses (fatal, exit 1). */
  ENV_CONFLICT: { exitCode: 1, retryable: false },
  /** The `--config-file` cannot be read, is not YAML, or has a key of the wrong type; exit 1. */
  CONFIG_FILE: { exitCode: 1, retryable: false },
  /** Values that parse but break one of etcd's rules together or alone; etcd exits 1. */
  INVALID_CONFIG: { exitCode: 1, retryable: false },
  /** `keel snapshot restore` with the wrong arguments; etcdutl's ExitBadArgs is 128. */
  BAD_ARGS: { exitCode: 128, retryable: false },
  /**
   * `snapshot restore`: the file fails its sha256 trailer check, has none (without
   * --skip-hash-check), or is not a store snapshot; etcdutl exits 1.
   */
  SNAPSHOT_INVALID: { exitCode: 1, retryable: false },
} as const;

/** A stable code of `KeelError`; codes are public API and never renamed. */
export type KeelErrorCode = keyof typeof keelErrorCodes;

/** An expected failure of the `keel` command line, identified by a stable `code`. */
export class KeelError extends Error {
  override readonly name = 'KeelError';
  readonly code: KeelErrorCode;
  constructor(opts: { code: KeelErrorCode; message?: string; cause?: unknown }) {
    super(opts.message ?? opts.code, { cause: opts.cause });
    this.code = opts.code;
  }

  /** The process exit status for this error, as etcd uses for the same failure. */
  get exitCode(): number {
    return keelErrorCodes[this.code].exitCode;
  }
}

/** True when `e` is a `KeelError`, and has `code` when one is given. */
export function isKeelError(e: unknown, code?: KeelErrorCode): e is KeelError {
  return e instanceof KeelError && (code === undefined || e.code === code);
}
