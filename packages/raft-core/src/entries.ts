// Helpers over lists of entries shared by the log, the leader and storage implementations.
import { entryHeaderBytes, entrySizeBytes, type Entry } from './types.js';

/**
 * How many entries of `entries[from..to)` fit within `maxSizeBytes` (at least one when the range
 * is not empty): lets callers slice once instead of slicing and then cutting.
 */
export function countWithinSize(
  entries: readonly Entry[],
  range: { from: number; to: number },
  maxSizeBytes: number,
): number {
  let size = 0;
  for (let i = range.from; i < range.to; i++) {
    size += (entries[i] as Entry).data.byteLength + entryHeaderBytes;
    if (i > range.from && size > maxSizeBytes) return i - range.from;
  }
  return range.to - range.from;
}

/** The sum of `entrySizeBytes` over `entries`. */
export function entriesSizeBytes(entries: readonly Entry[]): number {
  let size = 0;
  for (const e of entries) size += entrySizeBytes(e);
  return size;
}

/** The sum of the payload sizes of `entries`, as counted against the uncommitted limit. */
export function payloadsSizeBytes(entries: readonly Entry[]): number {
  let size = 0;
  for (const e of entries) size += e.data.byteLength;
  return size;
}
