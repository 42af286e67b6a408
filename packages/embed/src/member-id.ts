import { createHash } from 'node:crypto';

// etcd derives a member's ID from its sorted peer URLs and the cluster token (plus a timestamp for
// members added later), and the cluster ID from the sorted member IDs, each as the first 8 bytes of
// a SHA-1 digest. Members started from the same initial cluster therefore agree on every ID without
// talking. Keel keeps the derivation but keeps the top 53 bits, so IDs are exact JavaScript numbers
// (raft-core, kv-mvcc and the wire all carry them as safe integers); clients see them as uint64 all
// the same.

function top53Bits(digest: Buffer): number {
  const high = digest.readUInt32BE(0);
  const low = digest.readUInt32BE(4);
  // 32 high bits, then the top 21 bits of the low word: 53 bits in all.
  return high * 2 ** 21 + (low >>> 11);
}

function nonZero(id: number): number {
  // 0 means "none" throughout Raft (no leader, no vote); a zero digest prefix is astronomically
  // unlikely, but map it away so the invariant holds by construction.
  return id === 0 ? 1 : id;
}

/**
 * The member ID for `peerUrls` in the cluster named by `clusterToken`. `addedAtMs` is given for a
 * member added to a running cluster (as etcd's `member add` does), so re-adding the same URLs later
 * yields a new ID.
 */
export function deriveMemberId(
  peerUrls: readonly string[],
  clusterToken: string,
  addedAtMs?: number,
): number {
  const hash = createHash('sha1');
  hash.update([...peerUrls].sort().join(''));
  hash.update(clusterToken);
  if (addedAtMs !== undefined) hash.update(String(addedAtMs));
  return nonZero(top53Bits(hash.digest()));
}

/** The cluster ID of a cluster whose initial members have `memberIds`. */
export function deriveClusterId(memberIds: readonly number[]): number {
  const hash = createHash('sha1');
  const buf = Buffer.alloc(8);
  for (const id of [...memberIds].sort((a, b) => a - b)) {
    buf.writeUInt32BE(Math.floor(id / 2 ** 32), 0);
    buf.writeUInt32BE(id >>> 0, 4);
    hash.update(buf);
  }
  return nonZero(top53Bits(hash.digest()));
}

/** An ID as etcd prints it: lower-case hexadecimal without leading zeros. */
export function formatMemberId(id: number): string {
  return id.toString(16);
}
