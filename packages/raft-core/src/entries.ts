// Helpers over lists of entries shared by the log, the leader and storage implementations.
import { entrySizeBytes, type Entry } from './types.js';

/**
 * The longest prefix of `entries` within `maxSizeBytes` (by `entrySizeBytes`), but always at
 * least one entry when `entries` is not empty. Returns `entries` itself when nothing is cut.
 */
export function limitSize<T extends Entry>(
  entries: readonly T[],
  maxSizeBytes: number,
): readonly T[] {
  if (entries.length === 0) return entries;
  let size = 0;
  for (let i = 0; i < entries.length; i++) {
    size += entrySizeBytes(entries[i] as T);
    if (i > 0 && size > maxSizeBytes) return entries.slice(0, i);
  }
  return entries;
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
