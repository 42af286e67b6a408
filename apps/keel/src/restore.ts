// `keel snapshot restore`: checks the snapshot file as etcdutl does (a file saved by
// `etcdctl snapshot save` ends with the sha256 of everything before it; its size is then 32 past
// a multiple of 512), then has embed write the new member's data directory from the store
// snapshot before that trailer.
import { closeSync, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { formatMemberId, restoreMember } from '@keel/embed';
import type { KeelIo } from './cli.js';
import { KeelError } from './errors.js';
import { snapshotReadChunkBytes } from './limits.js';
import { restoredMemberConfig, type RestoreOptions } from './restore-args.js';

/** The length of the sha256 trailer `etcdctl snapshot save` files end with. */
const hashBytes = 32;

function snapshotInvalid(message: string, cause?: unknown): never {
  throw new KeelError({ code: 'SNAPSHOT_INVALID', message, cause });
}

/** The sha256 of the first `n` bytes of the file, and its last `hashBytes` bytes. */
function hashOf(fd: number, n: number): { readonly actual: Buffer; readonly expected: Buffer } {
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafe(snapshotReadChunkBytes);
  // Bounded by n: every turn reads at least one byte or the file ended early.
  for (let pos = 0; pos < n;) {
    const got = readSync(fd, buf, 0, Math.min(buf.length, n - pos), pos);
    if (got === 0) snapshotInvalid('snapshot file changed while it was read');
    hash.update(buf.subarray(0, got));
    pos += got;
  }
  const expected = Buffer.alloc(hashBytes);
  readSync(fd, expected, 0, hashBytes, n);
  return { actual: hash.digest(), expected };
}

/**
 * Checks the snapshot file's sha256 trailer as etcdutl does and returns how many bytes before
 * it are the store snapshot. With `skipHashCheck` a trailer is not checked (but still cut off).
 * @throws KeelError SNAPSHOT_INVALID (etcdutl's messages: a missing hash, a sha256 mismatch)
 */
export function checkSnapshotFile(o: RestoreOptions): number {
  const fd = openSync(o.snapshotPath, 'r');
  try {
    const size = fstatSync(fd).size;
    const hasHash = size % 512 === hashBytes;
    if (!hasHash) {
      if (!o.skipHashCheck) snapshotInvalid('snapshot missing hash but --skip-hash-check=false');
      return size;
    }
    const dataBytes = size - hashBytes;
    if (o.skipHashCheck) return dataBytes;
    const { actual, expected } = hashOf(fd, dataBytes);
    if (!actual.equals(expected)) {
      snapshotInvalid(`expected sha256 ${expected.toString('hex')}, got ${actual.toString('hex')}`);
    }
    return dataBytes;
  } finally {
    closeSync(fd);
  }
}

/** The restore itself, after `checkSnapshotFile`; returns the exit status (0, or 1 with why). */
export async function restoreFromFile(
  o: RestoreOptions & { readonly snapshotBytes: number },
  io: KeelIo,
): Promise<number> {
  const snapshot =
    o.snapshotBytes === 0 ? [] : createReadStream(o.snapshotPath, { end: o.snapshotBytes - 1 });
  try {
    const made = await restoreMember({
      snapshot,
      config: restoredMemberConfig(o),
      bumpRevision: o.bumpRevision,
      markCompacted: o.markCompacted,
    });
    io.stderr(
      `keel: info: restored snapshot "${o.snapshotPath}" at revision ${made.revision} into ` +
        `data-dir "${o.dataDir}" (wal-dir "${o.walDir}"): member ${formatMemberId(made.memberId)} ` +
        `of cluster ${formatMemberId(made.clusterId)}`,
    );
    return 0;
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    // kv-mvcc's code for a stream that is not a store snapshot (embed passes it through).
    const notKeel = e instanceof Error && 'code' in e && e.code === 'SNAPSHOT_INVALID';
    const hint = notKeel
      ? " (keel restores snapshots saved from a keel member; an etcd server's snapshot is a " +
        'bbolt database, which keel cannot read)'
      : '';
    io.stderr(`keel: snapshot restore of "${o.snapshotPath}" failed: ${why}${hint}`);
    return 1;
  }
}
