// Goal: entry records round-trip, and every kind of damage is reported as CORRUPT naming the
// index instead of being decoded. Method: flip each byte of a record in turn.
import { describe, expect, it } from 'vitest';
import type { Entry } from '@keel/raft-core';
import { decodeEntryRecord, encodeEntryRecords } from './entry-record.js';
import { isWalError } from './errors.js';

/** The record the log writes for `entry`, alone in its batch. */
function recordOf(entry: Entry): Uint8Array {
  const [record] = encodeEntryRecords([entry]);
  if (record === undefined) throw new Error('one entry gives one record');
  return record;
}

const entry = {
  index: 0x1_2345_6789,
  term: 7,
  type: 'EntryConfChange' as const,
  data: new Uint8Array([1, 2, 3, 4]),
};

describe('entry records', () => {
  it('round-trip term, index, type and data', () => {
    expect(decodeEntryRecord(recordOf(entry), entry.index)).toEqual(entry);
  });

  it('report any flipped byte as CORRUPT naming the index', () => {
    const record = recordOf(entry);
    for (let i = 0; i < record.byteLength; i++) {
      const damaged = Buffer.from(record);
      damaged[i] = (damaged[i] ?? 0) ^ 0x40;
      let caught: unknown;
      try {
        decodeEntryRecord(damaged, entry.index);
      } catch (e) {
        caught = e;
      }
      expect(isWalError(caught, 'CORRUPT'), `byte ${String(i)}`).toBe(true);
      expect((caught as Error).message).toContain(String(entry.index));
    }
  });

  it('reports a record stored under another index, or truncated, as CORRUPT', () => {
    const record = recordOf(entry);
    expect(() => decodeEntryRecord(record, entry.index + 1)).toThrow(/holds index/);
    expect(() => decodeEntryRecord(record.subarray(0, 10), entry.index)).toThrow(/shorter/);
  });
});
