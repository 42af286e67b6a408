// The safety checkers of the simulator. The cluster reports what it observes (each Ready, what
// it persisted, each message as it leaves, each entry as it is applied, each read) and every
// report is checked at once against Raft's safety properties (Raft paper §5.4, figure 3), so a
// violation names the step that caused it. The checks are incremental: each costs O(1) per entry
// observed, except the leader-completeness check, which walks the committed log once per election.
import { assert } from '../../assert.js';
import type { Entry, HardState, Message, ReadState } from '../../types.js';

/** The properties the simulator checks; a violation names one. */
export const simCheckerNames = [
  'election-safety',
  'log-matching',
  'leader-completeness',
  'state-machine-safety',
  'monotonic-commit',
  'monotonic-applied',
  'durable-before-send',
  'read-linearizability',
  'liveness',
  'node-failure',
] as const;
/** One of `simCheckerNames`. */
export type SimCheckerName = (typeof simCheckerNames)[number];

/** Thrown by a checker when a property does not hold. */
export class SimViolationError extends Error {
  override readonly name = 'SimViolationError';
  readonly checker: SimCheckerName;
  constructor(checker: SimCheckerName, message: string) {
    super(`${checker}: ${message}`);
    this.checker = checker;
  }
}

function check(cond: boolean, checker: SimCheckerName, message: () => string): void {
  if (!cond) throw new SimViolationError(checker, message());
}

/** The read-only view of a node's durable log the checkers need (a subset of `Storage`). */
export interface LogView {
  firstIndex(): number;
  lastIndex(): number;
  /** The term at `index`, for `firstIndex() - 1 <= index <= lastIndex()`. */
  term(index: number): number;
}

/** A node's durable state at the moment one of its messages leaves. */
export interface DurableView {
  readonly hardState: HardState;
  /** The last index the durable log (or its snapshot) holds. */
  readonly lastIndex: number;
}

/** True when both byte arrays hold the same bytes. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

// Terms stay far below this in any run; the bound keeps (index, term) keys exact integers.
const termKeySpan = 2 ** 20;

function entryKey(index: number, term: number): number {
  assert(term < termKeySpan, 'term out of the checker key range');
  return index * termKeySpan + term;
}

interface NodeState {
  term: number;
  commit: number;
  applied: number;
  durableTerm: number;
  durableCommit: number;
  ledTerm: number;
}

interface LoggedEntry {
  readonly prevTerm: number;
  readonly entry: Entry;
}

/** The observations of one run and the properties they must keep. */
export class SafetyChecker {
  private readonly leaderByTerm = new Map<number, number>();
  // Every (index, term) any durable log held, with the term before it: log matching.
  private readonly logged = new Map<number, LoggedEntry>();
  // The committed log as the nodes applied it, by index (slot 0 unused).
  private readonly committed: (Entry | undefined)[] = [];
  // The term of each committed index, known from applied entries or from a durable commit
  // index covering a durable entry (a commit index only ever covers entries that match the
  // leader's), so an entry is known committed even if no node applied it before crashing.
  private readonly committedTerms: (number | undefined)[] = [];
  // The state machine digest after applying each index, as first reported.
  private readonly digests: (number | undefined)[] = [];
  private readonly nodes = new Map<number, NodeState>();
  private readonly readsPending = new Map<string, { node: number; ackedIndex: number }>();
  /** The highest index any node has applied: every write up to it was acknowledged. */
  ackedIndex = 0;

  private node(id: number): NodeState {
    let n = this.nodes.get(id);
    if (n === undefined) {
      n = { term: 0, commit: 0, applied: 0, durableTerm: 0, durableCommit: 0, ledTerm: 0 };
      this.nodes.set(id, n);
    }
    return n;
  }

  /** How many terms had a leader observed. */
  leaderCount(): number {
    return this.leaderByTerm.size;
  }

  /** The committed entry at `index`, as first applied by any node. */
  committedAt(index: number): Entry | undefined {
    return this.committed[index];
  }

  /** A node (re)started from durable state with commit `commit` and state machine at `applied`. */
  observeStart(id: number, state: { hardState: HardState; applied: number }): void {
    const n = this.node(id);
    n.term = state.hardState.term;
    n.commit = state.hardState.commit;
    n.applied = state.applied;
    n.ledTerm = 0;
  }

  /** A Ready carried `hardState`: term and commit never go back within one run of a node. */
  observeHardState(id: number, hs: HardState): void {
    const n = this.node(id);
    check(hs.term >= n.term, 'monotonic-commit', () => `node ${id} term ${n.term} -> ${hs.term}`);
    check(hs.commit >= n.commit, 'monotonic-commit', () => {
      return `node ${id} commit went back ${n.commit} -> ${hs.commit}`;
    });
    n.term = hs.term;
    n.commit = hs.commit;
  }

  /**
   * Node `id` leads `term` and `log` is its durable log, holding everything it had when elected.
   * At most one leader per term (election safety); it holds every committed entry (completeness).
   */
  observeLeader(id: number, term: number, log: LogView): void {
    const n = this.node(id);
    if (n.ledTerm === term) return;
    n.ledTerm = term;
    const other = this.leaderByTerm.get(term);
    check(other === undefined || other === id, 'election-safety', () => {
      return `nodes ${other ?? 0} and ${id} both lead term ${term}`;
    });
    this.leaderByTerm.set(term, id);
    const lo = Math.max(1, log.firstIndex() - 1);
    for (let i = lo; i < this.committedTerms.length; i++) {
      const c = this.committedTerms[i];
      if (c === undefined || c > term) continue;
      check(i <= log.lastIndex(), 'leader-completeness', () => {
        return `leader ${id} of term ${term} lacks committed index ${i} (last ${log.lastIndex()})`;
      });
      const t = log.term(i);
      check(t === c, 'leader-completeness', () => {
        return `leader ${id} of term ${term} has term ${t} at committed ${i}@${c}`;
      });
    }
  }

  /**
   * Node `id` made `entries` durable after an entry of term `prevTerm`. Any two logs holding
   * the same (index, term) hold the same entry and the same term before it, so by induction the
   * same prefix: log matching.
   */
  observeAppended(id: number, entries: readonly Entry[], prevTerm: number): void {
    let prev = prevTerm;
    for (const e of entries) {
      check(e.term >= prev, 'log-matching', () => {
        return `node ${id} term goes back at ${e.index}: ${prev} -> ${e.term}`;
      });
      const key = entryKey(e.index, e.term);
      const seen = this.logged.get(key);
      if (seen === undefined) {
        this.logged.set(key, { prevTerm: prev, entry: e });
      } else {
        const p = prev;
        check(seen.prevTerm === p, 'log-matching', () => {
          return `node ${id} has ${e.index}@${e.term} after term ${p}, another log after ${seen.prevTerm}`;
        });
        check(sameEntry(seen.entry, e), 'log-matching', () => {
          return `node ${id} has different content at ${e.index}@${e.term}`;
        });
      }
      prev = e.term;
    }
  }

  /**
   * Node `id` holds the entry of term `term` at `index` at or below its commit index: that
   * entry is committed, and no node may ever commit another one there.
   */
  observeCommittedTerm(id: number, index: number, term: number): void {
    const known = this.committedTerms[index];
    if (known === undefined) {
      this.committedTerms[index] = term;
      return;
    }
    check(known === term, 'state-machine-safety', () => {
      return `node ${id} committed ${index}@${term}, another node ${index}@${known}`;
    });
  }

  /** Node `id` persisted `hs`: the durable term and commit never go back, crashes included. */
  observePersisted(id: number, hs: HardState): void {
    const n = this.node(id);
    check(hs.term >= n.durableTerm, 'monotonic-commit', () => {
      return `node ${id} durable term went back ${n.durableTerm} -> ${hs.term}`;
    });
    check(hs.commit >= n.durableCommit, 'monotonic-commit', () => {
      return `node ${id} durable commit went back ${n.durableCommit} -> ${hs.commit}`;
    });
    n.durableTerm = hs.term;
    n.durableCommit = hs.commit;
  }

  /**
   * Node `id` loaded a state machine at `index` with digest `digest` from a snapshot (received,
   * or its own on restart). It must match what the nodes applied up to there.
   */
  observeRestored(id: number, state: { index: number; digest: number; received: boolean }): void {
    const n = this.node(id);
    if (state.received) {
      check(state.index > n.applied, 'monotonic-applied', () => {
        return `node ${id} restored a snapshot at ${state.index} with ${n.applied} applied`;
      });
    }
    this.checkDigest(id, state.index, state.digest);
    n.applied = state.index;
    if (state.index > n.commit) n.commit = state.index;
  }

  private checkDigest(id: number, index: number, digest: number): void {
    const known = this.digests[index];
    if (known === undefined) {
      this.digests[index] = digest;
      return;
    }
    check(known === digest, 'state-machine-safety', () => {
      return `node ${id} state at ${index} differs from another node's (digest ${digest} vs ${known})`;
    });
  }

  /**
   * Node `id` applies `e`, reaching state `digest` (a hash of its whole applied sequence).
   * Entries are applied in index order with no gap, and every node applies the same entry at an
   * index and reaches the same digest, so applied sequences are prefixes of one another.
   */
  observeApplied(id: number, e: Entry, digest: number): void {
    const n = this.node(id);
    check(e.index === n.applied + 1, 'monotonic-applied', () => {
      return `node ${id} applied ${e.index} after ${n.applied}`;
    });
    check(e.index <= n.commit, 'monotonic-applied', () => {
      return `node ${id} applied ${e.index} above its commit ${n.commit}`;
    });
    n.applied = e.index;
    this.observeCommittedTerm(id, e.index, e.term);
    const c = this.committed[e.index];
    if (c === undefined) {
      this.committed[e.index] = e;
    } else {
      check(sameEntry(c, e), 'state-machine-safety', () => {
        return `node ${id} applied ${e.index}@${e.term}, another node ${e.index}@${c.term}`;
      });
    }
    this.checkDigest(id, e.index, digest);
    if (e.index > this.ackedIndex) this.ackedIndex = e.index;
  }

  /**
   * `message` leaves node `id` whose durable state is `durable`. Nothing that promises durable
   * state (a granted vote, an append ack, any message of a term) leaves before that state is.
   */
  observeSend(id: number, message: Message, durable: DurableView): void {
    const m = message;
    const hs = durable.hardState;
    if (m.term > 0 && m.type !== 'MsgPreVote' && m.type !== 'MsgPreVoteResp') {
      check(hs.term >= m.term, 'durable-before-send', () => {
        return `node ${id} sent ${m.type} of term ${m.term} with durable term ${hs.term}`;
      });
    }
    if ((m.type === 'MsgVote' || m.type === 'MsgVoteResp') && !m.reject && hs.term === m.term) {
      const votedFor = m.type === 'MsgVote' ? id : m.to;
      check(hs.vote === votedFor, 'durable-before-send', () => {
        return `node ${id} sent ${m.type} to ${m.to} at term ${m.term}, durable vote ${hs.vote}`;
      });
    }
    if (m.type === 'MsgAppResp' && !m.reject && hs.term === m.term) {
      check(durable.lastIndex >= m.index, 'durable-before-send', () => {
        return `node ${id} acked index ${m.index} with durable last index ${durable.lastIndex}`;
      });
    }
  }

  /** A read was asked at node `id` under `key`: every write applied so far must be visible. */
  observeReadRequest(id: number, key: string): void {
    this.readsPending.set(key, { node: id, ackedIndex: this.ackedIndex });
  }

  /** Node `id` answered a read: its index must cover every write acknowledged before it began. */
  observeReadState(id: number, key: string, rs: ReadState): void {
    const asked = this.readsPending.get(key);
    if (asked === undefined) return;
    this.readsPending.delete(key);
    // The answer may come out on another node than the one asked: a request forwarded twice (to
    // a stale leader, which forwards it on) is answered to the last forwarder, as in etcd.
    check(rs.index >= asked.ackedIndex, 'read-linearizability', () => {
      return `node ${id} read ${key} at ${rs.index} misses writes acknowledged up to ${asked.ackedIndex}`;
    });
  }
}

function sameEntry(a: Entry, b: Entry): boolean {
  return (
    a.term === b.term && a.index === b.index && a.type === b.type && bytesEqual(a.data, b.data)
  );
}
