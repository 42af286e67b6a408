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
