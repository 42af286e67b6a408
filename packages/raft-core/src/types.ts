// The data raft-core exchanges with its embedder: log entries, persistent state, snapshots,
// configuration and messages. Field names follow etcd's raftpb in camelCase so transcripts read
// like etcd's. Everything handed out by raft is readonly and must not be changed by the caller.

/** The kinds of log entry. A conf change entry's data is `encodeConfChange(change)`. */
export const entryTypes = ['EntryNormal', 'EntryConfChange'] as const;
/** One of `entryTypes`. */
export type EntryType = (typeof entryTypes)[number];

/** A Raft log entry. Invariant: `index >= 1`, `term >= 1` for any entry stored in a log. */
export interface Entry {
  readonly term: number;
  readonly index: number;
  readonly type: EntryType;
  readonly data: Uint8Array;
}

/** The state that must be durable before any message depending on it is sent. */
export interface HardState {
  readonly term: number;
  /** The member voted for in `term`, 0 for none. */
  readonly vote: number;
  readonly commit: number;
}

/**
 * The membership configuration. Outside a joint configuration `votersOutgoing` and
 * `learnersNext` are empty. Ids are listed in ascending order.
 */
export interface ConfState {
  readonly voters: readonly number[];
  readonly learners: readonly number[];
  /** The outgoing voters of a joint configuration; empty when not joint. */
  readonly votersOutgoing: readonly number[];
  /** Voters of the outgoing config that become learners when the joint config is left. */
  readonly learnersNext: readonly number[];
  /** Whether raft proposes leaving the joint configuration by itself. */
  readonly autoLeave: boolean;
}

/** Where a snapshot sits in the log, and the configuration at that point. */
export interface SnapshotMetadata {
  readonly index: number;
  readonly term: number;
  readonly confState: ConfState;
}

/** The application state at `metadata.index`; `data` is opaque to raft. */
export interface Snapshot {
  readonly data: Uint8Array;
  readonly metadata: SnapshotMetadata;
}

/** A single change of a conf change proposal. */
export interface ConfChangeSingle {
  readonly type: 'AddNode' | 'RemoveNode' | 'AddLearnerNode';
  readonly nodeId: number;
}

/**
 * A configuration change (etcd's ConfChangeV2). One change without `transition: 'explicit'` is
 * applied in one step; several changes use joint consensus, left automatically unless explicit.
 * An empty `changes` list leaves a joint configuration.
 */
export interface ConfChange {
  readonly transition: 'auto' | 'implicit' | 'explicit';
  readonly changes: readonly ConfChangeSingle[];
  readonly context: Uint8Array;
}

/** Message types, with etcd's names. Local ones never cross the network. */
export const messageTypes = [
  'MsgHup',
  'MsgBeat',
  'MsgProp',
  'MsgApp',
  'MsgAppResp',
  'MsgVote',
  'MsgVoteResp',
  'MsgSnap',
  'MsgHeartbeat',
  'MsgHeartbeatResp',
  'MsgUnreachable',
  'MsgSnapStatus',
  'MsgCheckQuorum',
  'MsgTransferLeader',
  'MsgTimeoutNow',
  'MsgReadIndex',
  'MsgReadIndexResp',
  'MsgPreVote',
  'MsgPreVoteResp',
  'MsgForgetLeader',
] as const;
/** One of `messageTypes`. */
export type MessageType = (typeof messageTypes)[number];

/** Message types that only a node sends to itself; `step` refuses them from peers. */
export const localMessageTypes: ReadonlySet<MessageType> = new Set([
  'MsgHup',
  'MsgBeat',
  'MsgUnreachable',
  'MsgSnapStatus',
  'MsgCheckQuorum',
]);

/** A Raft message. Fields a type does not use are 0, false, empty or absent. */
export interface Message {
  readonly type: MessageType;
  readonly to: number;
  readonly from: number;
  readonly term: number;
  /** The term of the entry at `index` (MsgApp: the previous entry; votes: the last entry). */
  readonly logTerm: number;
  readonly index: number;
  readonly entries: readonly Entry[];
  readonly commit: number;
  readonly snapshot?: Snapshot;
  readonly reject: boolean;
  readonly rejectHint: number;
  /** Opaque bytes: the read-index request context, or the campaign kind for transfers. */
  readonly context: Uint8Array;
}

/** The leadership role of a node. */
export type StateType = 'StateFollower' | 'StateCandidate' | 'StateLeader' | 'StatePreCandidate';

/** Volatile state reported in a Ready when it changes. */
export interface SoftState {
  /** The known leader, 0 when none. */
  readonly lead: number;
  readonly raftState: StateType;
}

/** The answer to a `readIndex(context)` request: reads at `index` are linearizable. */
export interface ReadState {
  readonly index: number;
  readonly requestCtx: Uint8Array;
}

/**
 * Raft's read-only, synchronous view of the stable log. Indexes outside the log raise
 * `StorageError` with `COMPACTED` (below `firstIndex()`) or `UNAVAILABLE` (above `lastIndex()`);
 * any other error is fatal to the node.
 */
export interface Storage {
  /** The persisted HardState and ConfState, read once when a node starts. */
  initialState(): { readonly hardState: HardState; readonly confState: ConfState };
  /**
   * Entries in `[lo, hi)`, at least one if the range is not empty, and then no more than
   * `maxSizeBytes` in total as counted by `entrySizeBytes`.
   */
  entries(lo: number, hi: number, maxSizeBytes: number): readonly Entry[];
  /** The term of the entry at `index`, for `firstIndex() - 1 <= index <= lastIndex()`. */
  term(index: number): number;
  /** The index of the first entry available (the snapshot's index + 1). */
  firstIndex(): number;
  /** The index of the last entry in the log. */
  lastIndex(): number;
  /** The most recent snapshot. */
  snapshot(): Snapshot;
}

/** The size raft counts for an entry against its byte limits: payload plus a fixed header. */
export function entrySizeBytes(entry: Entry): number {
  return entry.data.byteLength + entryHeaderBytes;
}

/** The fixed per-entry overhead in byte accounting (term, index, type). */
export const entryHeaderBytes = 16;

/** The randomness raft draws election timeouts from; injected so runs can be replayed. */
export interface RandomSource {
  /** A uniformly distributed integer in `[0, maxExclusive)`. */
  nextInt(maxExclusive: number): number;
}
