// Goal: Progress moves between probe, replicate and snapshot as etcd's does, and its flow
// control (pausing, back-off on rejection) follows the rules in progress.ts.
import { describe, expect, it } from 'vitest';
import { Inflights } from './inflights.js';
import { Progress } from './progress.js';

function pr(opts: { match: number; next: number }): Progress {
  const p = new Progress({ next: opts.next, inflights: new Inflights(2, 0), isLearner: false });
  p.match = opts.match;
  return p;
}

describe('Progress', () => {
  it('pauses a probe after one append until unpaused', () => {
    const p = pr({ match: 0, next: 5 });
    expect(p.isPaused()).toBe(false);
    p.updateOnEntriesSend({ count: 3, sizeBytes: 30 });
    expect([p.isPaused(), p.next]).toEqual([true, 5]);
    expect(p.maybeUpdate(7)).toBe(true);
    expect([p.isPaused(), p.match, p.next]).toEqual([false, 7, 8]);
  });

  it('pipelines in replicate until the inflight window is full', () => {
    const p = pr({ match: 4, next: 5 });
    p.becomeReplicate();
    p.updateOnEntriesSend({ count: 2, sizeBytes: 20 });
    expect([p.next, p.isPaused()]).toEqual([7, false]);
    p.updateOnEntriesSend({ count: 1, sizeBytes: 10 });
    expect([p.next, p.isPaused()]).toEqual([8, true]);
    p.inflights.freeLE(6);
    p.maybeUpdate(6);
    expect(p.isPaused()).toBe(false);
  });

  it('backs off on rejection: to match+1 in replicate, to the hint in probe', () => {
    const p = pr({ match: 3, next: 10 });
    p.becomeReplicate();
    expect(p.maybeDecrTo({ rejected: 2, matchHint: 0 })).toBe(false); // stale
    expect(p.maybeDecrTo({ rejected: 8, matchHint: 5 })).toBe(true);
    expect(p.next).toBe(4);
    const q = pr({ match: 0, next: 10 });
    expect(q.maybeDecrTo({ rejected: 5, matchHint: 2 })).toBe(false); // not the probe we sent
    expect(q.maybeDecrTo({ rejected: 9, matchHint: 4 })).toBe(true);
    expect(q.next).toBe(5);
  });

  it('resumes after a snapshot from past the snapshot index', () => {
    const p = pr({ match: 2, next: 3 });
    p.becomeSnapshot(10);
    expect([p.isPaused(), p.pendingSnapshot]).toEqual([true, 10]);
    p.becomeProbe();
    expect([p.state, p.next, p.pendingSnapshot]).toEqual(['StateProbe', 11, 0]);
    expect(p.describe()).toBe('StateProbe match=2 next=11 inactive');
  });

  it('refuses to send entries in StateSnapshot', () => {
    const p = pr({ match: 2, next: 3 });
    p.becomeSnapshot(10);
    expect(() => {
      p.updateOnEntriesSend({ count: 1, sizeBytes: 1 });
    }).toThrow(/StateSnapshot/);
  });
});
