/**
 * Error codes of the etcd API layer, with whether retrying the same call can succeed.
 *
 * Two kinds live here. `INVALID_CONFIG` and `INVALID_ARGUMENT` are raised by this package itself.
 * The others are the etcd conditions a backend (embed) reports by throwing an `EtcdGrpcError`
 * with that code; each one is answered with etcd's own gRPC status and description (see
 * `etcdStatuses` in status.ts), so etcd's clients map it to their typed error.
 */
export const etcdGrpcErrorCodes = {
  /** An option of `createEtcdGrpcServer` is missing or out of range; the message names it. */
  INVALID_CONFIG: { retryable: false },
  /** A request field cannot be represented (e.g. an int64 beyond 2^53-1) or is malformed. */
  INVALID_ARGUMENT: { retryable: false },
  /** A KV request names no key (etcd: "key is not provided"). */
  EMPTY_KEY: { retryable: false },
  /** A Range names a sort order or target etcd does not have. */
  INVALID_SORT_OPTION: { retryable: false },
  /** A put sets ignore_value and also carries a value. */
  VALUE_PROVIDED: { retryable: false },
  /** A put sets ignore_lease and also carries a lease. */
  LEASE_PROVIDED: { retryable: false },
  /** A txn branch or its compare list holds more operations than maxTxnOps. */
  TOO_MANY_OPS: { retryable: false },
  /** The encoded request is larger than maxRequestBytes. */
  REQUEST_TOO_LARGE: { retryable: false },
  /** A put with ignore_value or ignore_lease named a key that does not exist. */
  KEY_NOT_FOUND: { retryable: false },
  /** A txn modifies the same key twice. */
  DUPLICATE_KEY: { retryable: false },
  /** The named lease does not exist (never granted, revoked or expired). */
  LEASE_NOT_FOUND: { retryable: false },
  /** LeaseGrant asked for an ID that is already in use. */
  LEASE_EXISTS: { retryable: false },
  /** LeaseGrant asked for a TTL beyond the maximum. */
  LEASE_TTL_TOO_LARGE: { retryable: false },
  /** The storage quota is exhausted (the NOSPACE alarm is raised). */
  NO_SPACE: { retryable: false },
  /** The named member is not in the cluster. */
  MEMBER_NOT_FOUND: { retryable: false },
  /** MemberAdd: a member with that ID already exists. */
  MEMBER_EXISTS: { retryable: false },
  /** MemberAdd or MemberUpdate: another member already uses one of the peer URLs. */
  PEER_URL_EXISTS: { retryable: false },
  /** MemberAdd or MemberUpdate: a peer URL does not parse. */
  MEMBER_BAD_URLS: { retryable: false },
  /** MemberPromote: the member is not a learner. */
  MEMBER_NOT_LEARNER: { retryable: false },
  /** MemberPromote: the learner has not caught up with the leader yet. */
  LEARNER_NOT_READY: { retryable: true },
  /** MemberAdd: the cluster already has as many learners as it allows. */
  TOO_MANY_LEARNERS: { retryable: false },
  /** A reconfiguration would leave too few started members for a quorum. */
  MEMBER_NOT_ENOUGH_STARTED: { retryable: true },
  /** The call must be served by the leader and this member does not lead (MoveLeader). */
  LEADER_REQUIRED: { retryable: true },
  /** MoveLeader: the target is not a voting member that can lead. */
  BAD_LEADER_TRANSFEREE: { retryable: false },
  /** The cluster is unhealthy (e.g. a corrupt or lagging member). */
  UNHEALTHY: { retryable: true },
  /** A data corruption alarm is raised. */
  CORRUPT: { retryable: false },
} as const;

/** A stable code of `EtcdGrpcError`; codes are public API and never renamed. */
export type EtcdGrpcErrorCode = keyof typeof etcdGrpcErrorCodes;

/** An expected failure at the etcd API edge, identified by a stable `code`. */
export class EtcdGrpcError extends Error {
  override readonly name = 'EtcdGrpcError';
  readonly code: EtcdGrpcErrorCode;
  constructor(opts: { code: EtcdGrpcErrorCode; message?: string; cause?: unknown }) {
    super(opts.message ?? opts.code, { cause: opts.cause });
    this.code = opts.code;
  }
}

/** True when `e` is an `EtcdGrpcError`, and has `code` when one is given. */
export function isEtcdGrpcError(e: unknown, code?: EtcdGrpcErrorCode): e is EtcdGrpcError {
  return e instanceof EtcdGrpcError && (code === undefined || e.code === code);
}
