// Goal: large watch responses split as etcd fragments them: in order, none empty, none lost,
// each batch within the limit unless one event alone exceeds it. Method: pure function checks.
import type { Event } from '@keel/kv-mvcc';
import { describe, expect, it } from 'vitest';
import { fragmentEvents } from './watch.js';

function put(i: number, valueBytes: number): Event {
  const kv = {
    key: Buffer.from(`k${i}`),
    createRevision: i,
    modRevision: i,
    version: 1,
    value: Buffer.alloc(valueBytes),
    lease: 0,
  };
  return { type: 'PUT', kv };
}

describe('fragmentEvents', () => {
  it('keeps everything in one batch under the limit', () => {
    const events = [put(1, 10), put(2, 10)];
    expect(fragmentEvents(events, 1000)).toEqual([events]);
  });

  it('splits in order, within the limit, losing nothing', () => {
    const events = Array.from({ length: 10 }, (_, i) => put(i + 1, 400));
    const batches = fragmentEvents(events, 1000);
    expect(batches.length).toBe(5);
    expect(batches.flat()).toEqual(events);
    for (const batch of batches) expect(batch.length).toBe(2);
  });

  it('gives an event larger than the limit a batch of its own', () => {
    const events = [put(1, 10), put(2, 5000), put(3, 10)];
    expect(fragmentEvents(events, 1000).map((b) => b.length)).toEqual([1, 1, 1]);
  });
});
