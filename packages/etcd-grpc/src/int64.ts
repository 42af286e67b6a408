// 64-bit integers at the protobuf edge. protobufjs decodes int64/uint64 fields to Long objects
// (or to numbers when they fit in 32 bits on some paths); Keel carries revisions, lease IDs and
// member IDs as JS numbers, so a value beyond 2^53-1 cannot be represented and is refused with
// INVALID_ARGUMENT rather than silently rounded.
import { EtcdGrpcError } from './errors.js';

/** The shape of a decoded protobufjs 64-bit value (a `Long` from the `long` package). */
export interface LongLike {
  readonly low: number;
  readonly high: number;
  readonly unsigned: boolean;
}

/** A decoded int64/uint64 field: a Long, a number, or absent (proto3 default 0). */
export type Int64Field = LongLike | number | null | undefined;

const twoTo32 = 4_294_967_296;

/**
 * The decoded 64-bit field `value` as a JS number.
 * @throws EtcdGrpcError INVALID_ARGUMENT when the value is beyond ±(2^53-1); `field` names it.
 */
export function int64ToNumber(value: Int64Field, field: string): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) return value;
    throw outOfRange(field);
  }
  const high = value.unsigned ? value.high >>> 0 : value.high;
  const n = high * twoTo32 + (value.low >>> 0);
  if (!Number.isSafeInteger(n)) throw outOfRange(field);
  return n;
}

function outOfRange(field: string): EtcdGrpcError {
  return new EtcdGrpcError({
    code: 'INVALID_ARGUMENT',
    message: `etcdserver: ${field} is beyond the largest integer Keel represents (2^53-1)`,
  });
}
