// Goal: the tail cache keeps one contiguous run within its byte budget through appends,
// truncation and compaction. Method: check contents and byte counts after each step.
import { entrySizeBytes } from '@keel/raft-core';
import { describe, expect, it } from 'vitest';
import { entries } from '../test/helpers.js';
import { EntryCache } from './entry-cache.js';

describe('EntryCache', () => {
  it('evicts the oldest entries past its byte budget', () => {
    const per = entrySizeBytes(entries([1, 2], 1, 100)[0]!);
    const cache = new EntryCache(per * 3);
    cache.append(entries([1, 6], 1, 100));
    expect([cache.loIndex(), cache.hiIndex(), cache.sizeBytes()]).toEqual([3, 6, per * 3]);
    expect(cache.get(2)).toBeUndefined();
    expect(cache.get(5)?.index).toBe(5);
  });

  it('truncates a suffix and drops a prefix', () => {
    const cache = new EntryCache(1 << 20);
    cache.append(entries([10, 20], 2));
    cache.truncateFrom(15);
    expect([cache.loIndex(), cache.hiIndex()]).toEqual([10, 15]);
    cache.dropBefore(12);
    expect([cache.loIndex(), cache.hiIndex()]).toEqual([12, 15]);
    cache.append(entries([15, 17], 3));
    expect(cache.get(16)?.term).toBe(3);
    cache.dropBefore(100);
    expect([cache.loIndex(), cache.hiIndex(), cache.sizeBytes()]).toEqual([100, 100, 0]);
  });

  it('refuses an append that does not follow the run', () => {
    const cache = new EntryCache(1 << 20);
    cache.append(entries([1, 3], 1));
    expect(() => {
      cache.append(entries([5, 6], 1));
    }).toThrow(/follow/);
  });
});
