// Goal: 64-bit protobuf integers become JS numbers exactly, and values Keel cannot represent are
// refused with INVALID_ARGUMENT instead of being rounded. Method: decode real protobuf bytes.
import { describe, expect, it } from 'vitest';
import { isEtcdGrpcError } from './errors.js';
import { int64ToNumber } from './int64.js';
import { messageType } from './proto.js';

const PutRequest = messageType('etcdserverpb.PutRequest');
const MemberRemoveRequest = messageType('etcdserverpb.MemberRemoveRequest');

function decodedLease(lease: number | string): unknown {
  const bytes = PutRequest.encode(PutRequest.fromObject({ key: Buffer.from('a'), lease })).finish();
  return (PutRequest.decode(bytes) as unknown as { lease: unknown }).lease;
}

describe('int64ToNumber', () => {
  it('converts absent, small, large-safe and negative values exactly', () => {
    expect(int64ToNumber(undefined, 'lease')).toBe(0);
    expect(int64ToNumber(null, 'lease')).toBe(0);
    expect(int64ToNumber(decodedLease(7) as never, 'lease')).toBe(7);
    expect(int64ToNumber(decodedLease(Number.MAX_SAFE_INTEGER) as never, 'lease')).toBe(
      Number.MAX_SAFE_INTEGER,
    );
    expect(int64ToNumber(decodedLease(-1) as never, 'lease')).toBe(-1);
    expect(int64ToNumber(decodedLease('-9007199254740991') as never, 'lease')).toBe(
      -Number.MAX_SAFE_INTEGER,
    );
  });

  it('converts uint64 fields above 2^32', () => {
    const bytes = MemberRemoveRequest.encode(
      MemberRemoveRequest.fromObject({ ID: '1234567890123' }),
    ).finish();
    const id = (MemberRemoveRequest.decode(bytes) as unknown as { ID: unknown }).ID;
    expect(int64ToNumber(id as never, 'ID')).toBe(1_234_567_890_123);
  });

  it('refuses values beyond 2^53-1 with INVALID_ARGUMENT naming the field', () => {
    const big = decodedLease('9007199254740992');
    let caught: unknown;
    try {
      int64ToNumber(big as never, 'lease');
    } catch (e) {
      caught = e;
    }
    expect(isEtcdGrpcError(caught, 'INVALID_ARGUMENT')).toBe(true);
    expect((caught as Error).message).toMatch(/lease/);
    expect(() => int64ToNumber(decodedLease('-9223372036854775808') as never, 'lease')).toThrow(
      /2\^53-1/,
    );
    expect(() => int64ToNumber(2 ** 60, 'x')).toThrow(/x is beyond/);
  });
});
