// Named defaults and hard caps of raft-core (STYLE.md §8). Config fields left unset take the
// defaults; values past the caps raise INVALID_CONFIG.
import { assert } from './assert.js';

/** Default `maxSizePerMsg`: bytes of entries in one MsgApp (at least one entry is sent). */
export const msgBytesMaxDefault = 1024 * 1024;
/** Default `maxInflightMsgs`: appends in flight to one follower in StateReplicate. */
export const inflightMsgsMaxDefault = 256;
/** Hard cap on `maxInflightMsgs` (the window is preallocated). */
export const inflightMsgsMaxCap = 1 << 16;
/** Default `maxInflightBytes`: 0 means the window is limited by count only. */
export const inflightBytesMaxDefault = 0;
/** Default `maxUncommittedEntriesSize`: payload bytes a leader accepts beyond its commit. */
export const uncommittedBytesMaxDefault = 256 * 1024 * 1024;
/** Default `maxCommittedSizePerReady`: bytes of committed entries handed out per Ready. */
export const applyBytesPerReadyMaxDefault = 64 * 1024 * 1024;
/** Hard cap on `electionTick`. */
export const electionTicksMax = 1_000_000;

assert(inflightMsgsMaxDefault <= inflightMsgsMaxCap, 'inflight default above its cap');
assert(msgBytesMaxDefault <= applyBytesPerReadyMaxDefault, 'one message must fit in a Ready');
assert(msgBytesMaxDefault <= uncommittedBytesMaxDefault, 'one message must fit uncommitted');
