// Goal: the stored row layouts read back exactly what was written, for any field values, and a
// damaged row fails the gateway check instead of decoding to something else.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AssertionError } from './assert.js';
import { decodeRevRecord, encodeRevRecord, type RevRecord } from './encoding.js';
import { ByteReader, varintBytes, writeVarint } from './varint.js';

const safe = fc.nat({ max: Number.MAX_SAFE_INTEGER });
const bytes = (max: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ maxLength: max });

describe('row layouts', () => {
  it('round-trips varints of every safe integer size', () => {
    fc.assert(
      fc.property(safe, (n) => {
        const b = new Uint8Array(8);
        const end = writeVarint(b, 0, n);
        expect(end).toBe(varintBytes(n));
        const rd = new ByteReader(b.subarray(0, end));
        expect([rd.varint(), rd.done]).toEqual([n, true]);
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips rev records of puts and tombstones', () => {
    const put = fc.record({
      key: bytes(40).filter((k) => k.length > 0),
      value: bytes(300),
      main: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
      age: safe,
      version: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
      lease: safe,
    });
    fc.assert(
      fc.property(put, fc.boolean(), (p, tombstone) => {
        const createRevision = Math.max(1, p.main - p.age);
        const r: RevRecord = tombstone
          ? {
              key: p.key,
              value: new Uint8Array(0),
              createRevision: 0,
              version: 0,
              lease: 0,
              tombstone,
            }
          : {
              key: p.key,
              value: p.value,
              createRevision,
              version: p.version,
              lease: p.lease,
              tombstone,
            };
        const got = decodeRevRecord(encodeRevRecord(r, p.main), p.main);
        expect({ ...got, key: [...got.key], value: [...got.value] }).toEqual({
          ...r,
          key: [...r.key],
          value: [...r.value],
        });
      }),
      { numRuns: 300 },
    );
  });

  it('stores a created put as its key and value plus 3 bytes', () => {
    const r: RevRecord = {
      key: new Uint8Array(12),
      value: new Uint8Array(256),
      createRevision: 1_000_000,
      version: 1,
      lease: 0,
      tombstone: false,
    };
    expect(encodeRevRecord(r, 1_000_000).length).toBe(12 + 256 + 3);
  });

  it('refuses a truncated or overlong stored varint', () => {
    expect(() => new ByteReader(Uint8Array.of(0x80)).varint()).toThrow(AssertionError);
    expect(() => new ByteReader(new Uint8Array(9).fill(0xff)).varint()).toThrow(AssertionError);
    expect(() => decodeRevRecord(Uint8Array.of(200, 1), 5)).toThrow(AssertionError);
  });
});
