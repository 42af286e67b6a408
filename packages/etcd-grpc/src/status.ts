// etcd's gRPC errors: the status code and exact description of each, and the mapping from the
// typed errors of our layers to them. etcd's clients recognise an error by its description
// (clientv3's rpctypes keeps a map from description to typed error), so the strings below must
// match etcd's byte for byte; they are facts of etcd's wire protocol, listed here by name.
import { status as grpcStatus } from '@grpc/grpc-js';
import { isMvccError } from '@keel/kv-mvcc';
import { isEtcdGrpcError } from './errors.js';

/** One etcd error as it travels: a gRPC status code and etcd's description. */
export interface EtcdStatus {
  readonly code: grpcStatus;
  readonly details: string;
}

function s(code: grpcStatus, details: string): EtcdStatus {
  return { code, details };
}

const { INVALID_ARGUMENT, OUT_OF_RANGE, RESOURCE_EXHAUSTED, NOT_FOUND, FAILED_PRECONDITION } =
  grpcStatus;
const { UNAVAILABLE, DATA_LOSS, UNIMPLEMENTED } = grpcStatus;

/** etcd's server-side errors by name (etcd's `ErrGRPC*` without the prefix). */
export const etcdStatuses = {
  emptyKey: s(INVALID_ARGUMENT, 'etcdserver: key is not provided'),
  keyNotFound: s(INVALID_ARGUMENT, 'etcdserver: key not found'),
  valueProvided: s(INVALID_ARGUMENT, 'etcdserver: value is provided'),
  leaseProvided: s(INVALID_ARGUMENT, 'etcdserver: lease is provided'),
  tooManyOps: s(INVALID_ARGUMENT, 'etcdserver: too many operations in txn request'),
  duplicateKey: s(INVALID_ARGUMENT, 'etcdserver: duplicate key given in txn request'),
  compacted: s(OUT_OF_RANGE, 'etcdserver: mvcc: required revision has been compacted'),
  futureRev: s(OUT_OF_RANGE, 'etcdserver: mvcc: required revision is a future revision'),
  noSpace: s(RESOURCE_EXHAUSTED, 'etcdserver: mvcc: database space exceeded'),
  leaseNotFound: s(NOT_FOUND, 'etcdserver: requested lease not found'),
  leaseExist: s(FAILED_PRECONDITION, 'etcdserver: lease already exists'),
  leaseTtlTooLarge: s(OUT_OF_RANGE, 'etcdserver: too large lease TTL'),
  memberExist: s(FAILED_PRECONDITION, 'etcdserver: member ID already exist'),
  peerUrlExist: s(FAILED_PRECONDITION, 'etcdserver: Peer URLs already exists'),
  memberNotEnoughStarted: s(
    FAILED_PRECONDITION,
    'etcdserver: re-configuration failed due to not enough started members',
  ),
  memberBadUrls: s(INVALID_ARGUMENT, 'etcdserver: given member URLs are invalid'),
  memberNotFound: s(NOT_FOUND, 'etcdserver: member not found'),
  memberNotLearner: s(FAILED_PRECONDITION, 'etcdserver: can only promote a learner member'),
  learnerNotReady: s(
    FAILED_PRECONDITION,
    'etcdserver: can only promote a learner member which is in sync with leader',
  ),
  tooManyLearners: s(FAILED_PRECONDITION, 'etcdserver: too many learner members in cluster'),
  invalidSortOption: s(INVALID_ARGUMENT, 'etcdserver: invalid sort option'),
  requestTooLarge: s(INVALID_ARGUMENT, 'etcdserver: request is too large'),
  tooManyRequests: s(RESOURCE_EXHAUSTED, 'etcdserver: too many requests'),
  rootUserNotExist: s(FAILED_PRECONDITION, 'etcdserver: root user does not exist'),
  userNotFound: s(FAILED_PRECONDITION, 'etcdserver: user name not found'),
  roleNotFound: s(FAILED_PRECONDITION, 'etcdserver: role name not found'),
  authNotEnabled: s(FAILED_PRECONDITION, 'etcdserver: authentication is not enabled'),
  noLeader: s(UNAVAILABLE, 'etcdserver: no leader'),
  // etcd 3.4 and 3.5 answer UNAVAILABLE (3.6 moved it to FAILED_PRECONDITION): a client with
  // several endpoints then goes on to another member.
  notSupportedForLearner: s(UNAVAILABLE, 'etcdserver: rpc not supported for learner'),
  notLeader: s(FAILED_PRECONDITION, 'etcdserver: not leader'),
  stopped: s(UNAVAILABLE, 'etcdserver: server stopped'),
  timeout: s(UNAVAILABLE, 'etcdserver: request timed out'),
  unhealthy: s(UNAVAILABLE, 'etcdserver: unhealthy cluster'),
  corrupt: s(DATA_LOSS, 'etcdserver: corrupt cluster'),
  badLeaderTransferee: s(FAILED_PRECONDITION, 'etcdserver: bad leader transferee'),
} as const;

/** The name of one of etcd's errors in `etcdStatuses`. */
export type EtcdStatusName = keyof typeof etcdStatuses;

/** Our typed errors' codes (EtcdGrpcError, MvccError, EmbedError) to etcd's errors. */
const byCode: Readonly<Record<string, EtcdStatusName>> = {
  // EtcdGrpcError: request checks made here.
  EMPTY_KEY: 'emptyKey',
  VALUE_PROVIDED: 'valueProvided',
  LEASE_PROVIDED: 'leaseProvided',
  TOO_MANY_OPS: 'tooManyOps',
  REQUEST_TOO_LARGE: 'requestTooLarge',
  // EtcdGrpcError: conditions a backend reports.
  KEY_NOT_FOUND: 'keyNotFound',
  DUPLICATE_KEY: 'duplicateKey',
  LEASE_NOT_FOUND: 'leaseNotFound',
  LEASE_EXISTS: 'leaseExist',
  LEASE_TTL_TOO_LARGE: 'leaseTtlTooLarge',
  NO_SPACE: 'noSpace',
  MEMBER_NOT_FOUND: 'memberNotFound',
  MEMBER_EXISTS: 'memberExist',
  PEER_URL_EXISTS: 'peerUrlExist',
  MEMBER_BAD_URLS: 'memberBadUrls',
  MEMBER_NOT_LEARNER: 'memberNotLearner',
  LEARNER_NOT_READY: 'learnerNotReady',
  TOO_MANY_LEARNERS: 'tooManyLearners',
  MEMBER_NOT_ENOUGH_STARTED: 'memberNotEnoughStarted',
  BAD_LEADER_TRANSFEREE: 'badLeaderTransferee',
  LEADER_REQUIRED: 'notLeader',
  UNHEALTHY: 'unhealthy',
  CORRUPT: 'corrupt',
  // MvccError (its KV and lease codes share the names above).
  COMPACTED: 'compacted',
  FUTURE_REV: 'futureRev',
  INVALID_SORT_OPTION: 'invalidSortOption',
  CLOSED: 'stopped',
  // EmbedError. embed forwards proposals to the leader inside Raft, so NOT_LEADER means no
  // leader is known: etcd's ErrNoLeader, which clients retry.
  NOT_LEADER: 'noLeader',
  TIMEOUT: 'timeout',
  STOPPED: 'stopped',
  OVERLOADED: 'tooManyRequests',
};

/**
 * True for the errors of embed, which this package may not import (it sits below embed): an
 * Error named `EmbedError` with a string `code`. Matching the class name and code (never the
 * message) keeps to STYLE.md §5.
 */
function isEmbedLike(e: unknown): e is Error & { code: string } {
  return (
    e instanceof Error &&
    e.name === 'EmbedError' &&
    typeof (e as { code?: unknown }).code === 'string'
  );
}

/**
 * An answer this package decides itself (e.g. the Auth service's refusals): carries one of
 * etcd's errors straight to the client. Internal; never thrown by or to a backend.
 */
export class EtcdAnswer extends Error {
  override readonly name = 'EtcdAnswer';
  readonly status: EtcdStatus;
  constructor(status: EtcdStatus) {
    super(status.details);
    this.status = status;
  }
}

/**
 * The status for an operation of etcd's API that the backend does not provide (embed's
 * UNSUPPORTED). etcd itself has no such error, so there is no description for clients to match;
 * gRPC's UNIMPLEMENTED says "not available here", which clients do not retry, and the backend's
 * message (which names the operation) travels as is so the user sees what was refused.
 */
function unsupportedStatus(message: string): EtcdStatus {
  const named = message !== '' && message !== 'UNSUPPORTED';
  return s(UNIMPLEMENTED, named ? message : 'this operation is not supported by this server');
}

/**
 * The etcd status for an error thrown by a backend or by this package. Our typed errors map to
 * etcd's descriptions; an `INVALID_ARGUMENT` EtcdGrpcError keeps its own message; embed's
 * `UNSUPPORTED` is gRPC UNIMPLEMENTED with the backend's message; anything else
 * is answered, as etcd does, with gRPC UNKNOWN and the error's message.
 */
export function toEtcdStatus(e: unknown): EtcdStatus {
  if (e instanceof EtcdAnswer) return e.status;
  if (isEmbedLike(e) && e.code === 'UNSUPPORTED') return unsupportedStatus(e.message);
  if (isEtcdGrpcError(e, 'INVALID_ARGUMENT') || isMvccError(e, 'INVALID_ARGUMENT')) {
    return s(INVALID_ARGUMENT, e.message);
  }
  if (isEtcdGrpcError(e) || isMvccError(e) || isEmbedLike(e)) {
    const name = byCode[e.code];
    if (name !== undefined) return etcdStatuses[name];
  }
  return s(grpcStatus.UNKNOWN, e instanceof Error ? e.message : String(e));
}
