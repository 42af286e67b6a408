// Goal: each simulator checker fires on a crafted history that breaks its property, and stays
// quiet on the correct history next to it. Method: feed SafetyChecker the observations a cluster
// would report, using MemoryStorage as the durable log a leader is judged by.
import { describe, expect, it } from 'vitest';
import type { Entry, HardState, Message } from '../../types.js';
import { MemoryStorage } from '../memory-storage.js';
import { SafetyChecker, SimViolationError, bytesEqual, simCheckerNames } from './checkers.js';
import type { SimCheckerName } from './checkers.js';

function entry(index: number, term: number, byte = index): Entry {
  return { index, term, type: 'EntryNormal', data: new Uint8Array([byte]) };
}

function hs(term: number, commit: number, vote = 0): HardState {
  return { term, vote, commit };
}

function msg(fields: Partial<Message> & Pick<Message, 'type' | 'from' | 'to' | 'term'>): Message {
  return {
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    context: new Uint8Array(0),
    ...fields,
  };
}

function logOf(entries: readonly Entry[]): MemoryStorage {
  const storage = new MemoryStorage();
  storage.append(entries);
  return storage;
}

function violationOf(fn: () => void): SimCheckerName | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    if (e instanceof SimViolationError) return e.checker;
    throw e;
  }
}

/** A checker where node `id` has applied `entries` (committed through the last one). */
function withApplied(id: number, entries: readonly Entry[]): SafetyChecker {
  const c = new SafetyChecker();
  const last = entries[entries.length - 1];
  c.observeHardState(id, hs(last?.term ?? 0, last?.index ?? 0));
  entries.forEach((e, i) => {
    c.observeApplied(id, e, 1000 + i);
  });
  return c;
}

describe('SafetyChecker', () => {
  it('names every checker once', () => {
    expect(new Set(simCheckerNames).size).toBe(simCheckerNames.length);
  });

  it('election-safety: fires on two leaders of one term, not on leaders of two terms', () => {
    const c = new SafetyChecker();
    c.observeLeader(1, 2, logOf([]));
    c.observeLeader(2, 3, logOf([]));
    c.observeLeader(2, 3, logOf([]));
    expect(
      violationOf(() => {
        c.observeLeader(3, 3, logOf([]));
      }),
    ).toBe('election-safety');
  });

  it('log-matching: fires on different content or a different previous term at one (index, term)', () => {
    const c = new SafetyChecker();
    c.observeAppended(1, [entry(1, 1), entry(2, 1)], 0);
    c.observeAppended(2, [entry(2, 1)], 1);
    expect(
      violationOf(() => {
        c.observeAppended(3, [entry(2, 1, 99)], 1);
      }),
    ).toBe('log-matching');
    expect(
      violationOf(() => {
        c.observeAppended(3, [entry(2, 1)], 0);
      }),
    ).toBe('log-matching');
    expect(
      violationOf(() => {
        c.observeAppended(3, [entry(3, 2), entry(4, 1)], 1);
      }),
    ).toBe('log-matching');
  });

  it('leader-completeness: fires when a new leader lacks a committed entry', () => {
    const committed = [entry(1, 1), entry(2, 1), entry(3, 2)];
    const c = withApplied(1, committed);
    c.observeLeader(1, 3, logOf(committed));
    c.observeLeader(2, 4, logOf([...committed, entry(4, 4)]));
    const stale = logOf([entry(1, 1), entry(2, 1)]);
    expect(
      violationOf(() => {
        c.observeLeader(3, 5, stale);
      }),
    ).toBe('leader-completeness');
    const overwritten = logOf([entry(1, 1), entry(2, 1), entry(3, 3)]);
    expect(
      violationOf(() => {
        c.observeLeader(4, 6, overwritten);
      }),
    ).toBe('leader-completeness');
  });

  it('leader-completeness: knows entries committed by a durable commit index, applied or not', () => {
    const c = new SafetyChecker();
    c.observeCommittedTerm(1, 2, 1);
    c.observeCommittedTerm(1, 3, 2);
    c.observeLeader(2, 3, logOf([entry(1, 1), entry(2, 1), entry(3, 2)]));
    const lost = logOf([entry(1, 1), entry(2, 1), entry(3, 3)]);
    expect(
      violationOf(() => {
        c.observeLeader(3, 4, lost);
      }),
    ).toBe('leader-completeness');
    expect(
      violationOf(() => {
        c.observeCommittedTerm(3, 3, 3);
      }),
    ).toBe('state-machine-safety');
  });

  it('leader-completeness: judges a compacted log by the entries it still has', () => {
    const committed = [entry(1, 1), entry(2, 1), entry(3, 2)];
    const c = withApplied(1, committed);
    const compacted = logOf(committed);
    compacted.compact(2);
    c.observeLeader(2, 3, compacted);
    expect(compacted.firstIndex()).toBe(3);
  });

  it('state-machine-safety: fires when two nodes apply different entries or states at an index', () => {
    const c = withApplied(1, [entry(1, 1), entry(2, 1)]);
    c.observeHardState(2, hs(1, 2));
    c.observeApplied(2, entry(1, 1), 1000);
    expect(
      violationOf(() => {
        c.observeApplied(2, entry(2, 2), 1001);
      }),
    ).toBe('state-machine-safety');
    c.observeHardState(3, hs(1, 2));
    c.observeApplied(3, entry(1, 1), 1000);
    expect(
      violationOf(() => {
        c.observeApplied(3, entry(2, 1), 7);
      }),
    ).toBe('state-machine-safety');
    const restored = { index: 2, digest: 5, received: true };
    expect(
      violationOf(() => {
        c.observeRestored(4, restored);
      }),
    ).toBe('state-machine-safety');
    c.observeRestored(5, { index: 2, digest: 1001, received: true });
  });

  it('monotonic-commit: fires when commit or term goes back, in memory or on disk', () => {
    const c = new SafetyChecker();
    c.observeHardState(1, hs(2, 5));
    expect(
      violationOf(() => {
        c.observeHardState(1, hs(2, 4));
      }),
    ).toBe('monotonic-commit');
    expect(
      violationOf(() => {
        c.observeHardState(1, hs(1, 6));
      }),
    ).toBe('monotonic-commit');
    c.observePersisted(1, hs(2, 5));
    // A restart may lose the in-memory commit, never the durable one.
    c.observeStart(1, { hardState: hs(2, 3), applied: 0 });
    c.observeHardState(1, hs(2, 3));
    expect(
      violationOf(() => {
        c.observePersisted(1, hs(2, 3));
      }),
    ).toBe('monotonic-commit');
  });

  it('monotonic-applied: fires on a gap, on applying past commit, and on an older snapshot', () => {
    const c = withApplied(1, [entry(1, 1), entry(2, 1)]);
    c.observeHardState(1, hs(1, 9));
    expect(
      violationOf(() => {
        c.observeApplied(1, entry(4, 1), 0);
      }),
    ).toBe('monotonic-applied');
    c.observeHardState(2, hs(1, 1));
    c.observeApplied(2, entry(1, 1), 1000);
    expect(
      violationOf(() => {
        c.observeApplied(2, entry(2, 1), 1001);
      }),
    ).toBe('monotonic-applied');
    const older = { index: 1, digest: 1000, received: true };
    expect(
      violationOf(() => {
        c.observeRestored(1, older);
      }),
    ).toBe('monotonic-applied');
  });

  it('durable-before-send: fires on a vote, an ack or a term that is not durable yet', () => {
    const c = new SafetyChecker();
    const durable = { hardState: hs(3, 0, 2), lastIndex: 5 };
    const grant = msg({ type: 'MsgVoteResp', from: 1, to: 2, term: 3 });
    c.observeSend(1, grant, durable);
    const toOther = { ...grant, to: 3 };
    expect(
      violationOf(() => {
        c.observeSend(1, toOther, durable);
      }),
    ).toBe('durable-before-send');
    const ahead = { ...grant, term: 4 };
    expect(
      violationOf(() => {
        c.observeSend(1, ahead, durable);
      }),
    ).toBe('durable-before-send');
    const campaign = msg({ type: 'MsgVote', from: 1, to: 2, term: 3 });
    expect(
      violationOf(() => {
        c.observeSend(1, campaign, durable);
      }),
    ).toBe('durable-before-send');
    const ack = msg({ type: 'MsgAppResp', from: 1, to: 2, term: 3, index: 5 });
    c.observeSend(1, ack, durable);
    const ackPast = { ...ack, index: 6 };
    expect(
      violationOf(() => {
        c.observeSend(1, ackPast, durable);
      }),
    ).toBe('durable-before-send');
    // A pre-vote promises nothing durable: its term runs ahead of the node's.
    c.observeSend(1, msg({ type: 'MsgPreVote', from: 1, to: 2, term: 4 }), durable);
  });

  it('read-linearizability: fires when a read misses a write acknowledged before it began', () => {
    const c = withApplied(1, [entry(1, 1), entry(2, 1), entry(3, 1)]);
    c.observeReadRequest(2, 'a');
    c.observeReadRequest(2, 'b');
    c.observeReadState(2, 'a', { index: 3, requestCtx: new Uint8Array(0) });
    const stale = { index: 2, requestCtx: new Uint8Array(0) };
    expect(
      violationOf(() => {
        c.observeReadState(2, 'b', stale);
      }),
    ).toBe('read-linearizability');
  });

  it('compares bytes by value', () => {
    expect(bytesEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true);
    expect(bytesEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false);
    expect(bytesEqual(new Uint8Array([1]), new Uint8Array([1, 3]))).toBe(false);
  });
});
