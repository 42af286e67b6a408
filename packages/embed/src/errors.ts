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
  /** The named member is not in the cluster (etcd: "member not found"). */
  MEMBER_NOT_FOUND: { retryable: false },
  /** Another member already has one of the peer URLs (etcd: "Peer URLs already exists"). */
  PEER_URL_EXISTS: { retryable: false },
  /** A peer URL is not `http(s)://host:port` (etcd: "given member URLs are invalid"). */
  MEMBER_BAD_URLS: { retryable: false },
  /** promoteMember named a voter (etcd: "can only promote a learner member"). */
  MEMBER_NOT_LEARNER: { retryable: false },
  /** The learner holds less than 90% of the leader's log; promote it once it caught up. */
  LEARNER_NOT_READY: { retryable: true },
  /** Adding the learner would exceed `maxLearners` (etcd: "too many learner members"). */
  TOO_MANY_LEARNERS: { retryable: false },
  /** The change would leave fewer started voters than a quorum (strict reconfig check). */
  MEMBER_NOT_ENOUGH_STARTED: { retryable: true },
  /**
   * This member has not been connected to the members the change needs for 5 s (strict
   * reconfig check, etcd's "unhealthy cluster"); retry once they are connected.
   */
  UNHEALTHY: { retryable: true },
  /** The call must run on the leader (promoteMember, moveLeader) and this member does not lead. */
  LEADER_REQUIRED: { retryable: true },
  /** moveLeader's target is not a voting member (etcd: "bad leader transferee"). */
  BAD_LEADER_TRANSFEREE: { retryable: false },
  /** This member was removed from the cluster and has stopped; it never starts again. */
  MEMBER_REMOVED: { retryable: false },
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
