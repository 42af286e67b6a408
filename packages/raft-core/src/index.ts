// @keel/raft-core: the whole public API. Whatever is not exported here is internal.
export { AssertionError, assert } from './assert.js';
export {
  RaftError,
  StorageError,
  isRaftError,
  isStorageError,
  raftErrorCodes,
  storageErrorCodes,
} from './errors.js';
export type { RaftErrorCode, StorageErrorCode } from './errors.js';
export {
  entryHeaderBytes,
  entrySizeBytes,
  entryTypes,
  localMessageTypes,
  messageTypes,
} from './types.js';
export type {
  ConfChange,
  ConfChangeSingle,
  ConfState,
  Entry,
  EntryType,
  HardState,
  Message,
  MessageType,
  RandomSource,
  ReadState,
  Snapshot,
  SnapshotMetadata,
  SoftState,
  StateType,
  Storage,
} from './types.js';
export { decodeConfChange, encodeConfChange } from './conf-change-codec.js';
export { assertValidMessage } from './validate-message.js';
export { RawNode } from './raw-node.js';
export type { ProgressStatus, Ready, Status } from './raw-node.js';
export type { RaftConfig } from './config.js';
export { noopLogger } from './logger.js';
export type { RaftLogger } from './logger.js';
export type { ReadOnlyOption } from './read-only.js';
export type { ProgressState } from './tracker/progress.js';
export {
  applyBytesPerReadyMaxDefault,
  electionTicksMax,
  inflightBytesMaxDefault,
  inflightMsgsMaxCap,
  inflightMsgsMaxDefault,
  msgBytesMaxDefault,
  uncommittedBytesMaxDefault,
} from './limits.js';
