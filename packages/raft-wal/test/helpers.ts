// Shared helpers of raft-wal's tests: temporary directories (removed afterwards) and entries.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Entry } from '@keel/raft-core';

/** A fresh temporary directory; `remove()` deletes it and everything in it. */
export function tempDir(): { readonly path: string; readonly remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'keel-raft-wal-'));
  return {
    path,
    remove: () => {
      rmSync(path, { recursive: true, force: true });
    },
  };
}

/** An entry whose data is derived from its index and term, so damage is recognisable. */
export function entry(index: number, term: number, dataBytes = 8): Entry {
  const data = new Uint8Array(dataBytes);
  for (let i = 0; i < dataBytes; i++) data[i] = (index * 31 + term * 7 + i) & 0xff;
  return { index, term, type: 'EntryNormal', data };
}

/** Entries `[lo, hi)` all in `term`. */
export function entries([lo, hi]: readonly [number, number], term: number, dataBytes = 8): Entry[] {
  const out: Entry[] = [];
  for (let i = lo; i < hi; i++) out.push(entry(i, term, dataBytes));
  return out;
}
