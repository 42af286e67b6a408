// Goal: leader changes are reported, including losing the leader; the iterator queues changes and
// ends on close; leader-only work starts on election and is aborted the moment leadership ends.
// Method: drive a real Leadership through observe() as the driver loop does.
import { describe, expect, it } from 'vitest';
import { isEmbedError } from './errors.js';
import { Leadership, type LeaderChange } from './leadership.js';

describe('Leadership', () => {
  it('reports gaining, changing and losing the leader, once each', () => {
    const l = new Leadership(1);
    const seen: LeaderChange[] = [];
    l.onChange((c) => seen.push(c));
    l.observe(2, 5);
    l.observe(2, 5);
    l.observe(0, 6);
    l.observe(1, 7);
    expect(seen).toEqual([
      { leaderId: 2, previousLeaderId: 0, term: 5, isLeader: false },
      { leaderId: 0, previousLeaderId: 2, term: 6, isLeader: false },
      { leaderId: 1, previousLeaderId: 0, term: 7, isLeader: true },
    ]);
    expect([l.leaderId, l.term, l.isLeader()]).toEqual([1, 7, true]);
  });

  it('iterates changes in order, queued while the consumer is busy, and ends on close', async () => {
    const l = new Leadership(1);
    const it = l.changes();
    const first = it.next();
    l.observe(3, 1);
    l.observe(0, 2);
    l.observe(1, 3);
    expect((await first).value).toMatchObject({ leaderId: 3 });
    expect((await it.next()).value).toMatchObject({ leaderId: 0 });
    expect((await it.next()).value).toMatchObject({ leaderId: 1, isLeader: true });
    const pending = it.next();
    l.close();
    expect(await pending).toEqual({ done: true, value: undefined });
  });

  it('runs leader-only work per term and aborts it when leadership ends', async () => {
    const l = new Leadership(1);
    const terms: number[] = [];
    const reasons: unknown[] = [];
    let started: () => void = () => undefined;
    const outer = new AbortController();
    const running = l.runWhileLeader(
      async (signal, { term }) => {
        terms.push(term);
        started();
        await new Promise<void>((resolve) => {
          signal.addEventListener('abort', () => {
            resolve();
          });
        });
        reasons.push(signal.reason);
      },
      { signal: outer.signal },
    );
    const nextStart = () => new Promise<void>((resolve) => (started = resolve));
    let s = nextStart();
    l.observe(1, 4);
    await s;
    s = nextStart();
    l.observe(2, 5);
    l.observe(1, 6);
    await s;
    outer.abort();
    await running;
    expect(terms).toEqual([4, 6]);
    expect(isEmbedError(reasons[0], 'NOT_LEADER')).toBe(true);
    expect(reasons).toHaveLength(2);
  });

  it('rejects with an error the work throws while still leading', async () => {
    const l = new Leadership(1);
    l.observe(1, 1);
    await expect(l.runWhileLeader(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  });

  it('ignores observations after close and ends pending work', async () => {
    const l = new Leadership(1);
    l.observe(1, 1);
    const running = l.runWhileLeader(
      (signal) =>
        new Promise<void>((resolve) => {
          signal.addEventListener('abort', () => {
            resolve();
          });
        }),
    );
    l.close();
    await running;
    l.observe(2, 2);
    expect(l.leaderId).toBe(1);
  });
});
