// The member's identity and the cluster's members, kept in `<dataDir>/member/cluster.json`. It is
// written when the member is bootstrapped, before the Raft log, so an existing data directory
// restarts with the identity it was created with and ignores the bootstrap settings (as etcd
// does). After that it changes only when a membership entry of the log is applied
// (membership.ts), and records the index of the last one (`appliedIndex`), so an entry replayed
// after a restart is not applied to it twice.
import {
  mkdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
  openSync,
  fsyncSync,
  closeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { assert } from './assert.js';

/** One member as the cluster knows it (etcd's Member). */
export interface ClusterMember {
  readonly id: number;
  /** Empty until the member has started and published its attributes (etcd: "unstarted"). */
  readonly name: string;
  readonly peerUrls: readonly string[];
  /** The client URLs the member published; empty until it did. */
  readonly clientUrls?: readonly string[];
  readonly isLearner?: boolean;
}

/** What `cluster.json` holds. */
export interface ClusterFile {
  readonly memberId: number;
  readonly clusterId: number;
  readonly members: readonly ClusterMember[];
  /** The index of the last membership entry applied to `members`; 0 or absent: none yet. */
  readonly appliedIndex?: number;
  /** IDs of members removed from the cluster (etcd never lets a removed ID back). */
  readonly removed?: readonly number[];
  /** The members at the WAL's snapshot (index 1: the founders), served to joining members. */
  readonly base?: readonly ClusterMember[];
}

/** Where the cluster file of `dataDir` lives. */
export function clusterFilePath(dataDir: string): string {
  return join(dataDir, 'member', 'cluster.json');
}

/** Reads the cluster file, or `undefined` when the data directory was never bootstrapped. */
export function readClusterFile(dataDir: string): ClusterFile | undefined {
  let text: string;
  try {
    text = readFileSync(clusterFilePath(dataDir), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const parsed = JSON.parse(text) as ClusterFile;
  // The gateway check of what was read from disk (STYLE.md §8).
  assert(Number.isSafeInteger(parsed.memberId) && parsed.memberId > 0, 'cluster.json: memberId');
  assert(Number.isSafeInteger(parsed.clusterId) && parsed.clusterId > 0, 'cluster.json: clusterId');
  const members: unknown = parsed.members;
  assert(Array.isArray(members), 'cluster.json: members');
  const listed = (members as readonly ClusterMember[]).some((m) => m.id === parsed.memberId);
  const removed = parsed.removed?.includes(parsed.memberId) === true;
  assert(listed || removed, 'cluster.json: this member is not listed');
  return parsed;
}

/** Writes the cluster file durably: a temp file, fsync, then rename over the old one. */
export function writeClusterFile(dataDir: string, file: ClusterFile): void {
  const path = clusterFilePath(dataDir);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(file, null, 2)}\n`);
  const fd = openSync(tmp, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  const dirFd = openSync(dirname(path), 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}
