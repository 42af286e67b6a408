/** Error codes raised by the Raft node for expected operating conditions. */
export const raftErrorCodes = {
  /** A config field is missing or out of range; the message names the field. */
  INVALID_CONFIG: { retryable: false },
  /** A proposal was dropped (no leader, leadership transfer, uncommitted size limit, ...). */
  PROPOSAL_DROPPED: { retryable: true },
  /** A local-only message type (MsgHup, MsgBeat, ...) arrived through `step` from a peer. */
  STEP_LOCAL_MSG: { retryable: false },
  /** A response came from a peer that is not in the configuration. */
  STEP_PEER_NOT_FOUND: { retryable: false },
  /** A message failed validation at the gateway (decoded from the wire). */
  INVALID_MESSAGE: { retryable: false },
} as const;

/** A stable code of `RaftError`. */
export type RaftErrorCode = keyof typeof raftErrorCodes;

/** An expected failure of the Raft node, identified by a stable `code`. */
export class RaftError extends Error {
  override readonly name = 'RaftError';
  readonly code: RaftErrorCode;
  constructor(opts: { code: RaftErrorCode; message?: string; cause?: unknown }) {
    super(opts.message ?? opts.code, { cause: opts.cause });
    this.code = opts.code;
  }
}

/** True when `e` is a `RaftError`, and has `code` when one is given. */
export function isRaftError(e: unknown, code?: RaftErrorCode): e is RaftError {
  return e instanceof RaftError && (code === undefined || e.code === code);
}

/**
 * Error codes of the `Storage` contract. As in etcd, any other error thrown by a storage is
 * fatal to the node.
 */
export const storageErrorCodes = {
  /** The requested index is below the first index: it was compacted into a snapshot. */
  COMPACTED: { retryable: false },
  /** The requested index is above the last index. */
  UNAVAILABLE: { retryable: false },
  /** The snapshot is being prepared; raft asks again later. */
  SNAPSHOT_TEMPORARILY_UNAVAILABLE: { retryable: true },
  /** A writer was handed a snapshot no newer than the one it already holds. */
  SNAPSHOT_OUT_OF_DATE: { retryable: false },
} as const;

/** A stable code of `StorageError`. */
export type StorageErrorCode = keyof typeof storageErrorCodes;

/** An expected failure of a `Storage` read. */
export class StorageError extends Error {
  override readonly name = 'StorageError';
  readonly code: StorageErrorCode;
  constructor(opts: { code: StorageErrorCode; message?: string; cause?: unknown }) {
    super(opts.message ?? opts.code, { cause: opts.cause });
    this.code = opts.code;
  }
}

/** True when `e` is a `StorageError`, and has `code` when one is given. */
export function isStorageError(e: unknown, code?: StorageErrorCode): e is StorageError {
  return e instanceof StorageError && (code === undefined || e.code === code);
}
