// Opening a member's storage: its identity (cluster.json), the Raft log and the kv store. A new
// data directory is bootstrapped from the config (initialCluster, token) for a new cluster, or
// from a running cluster's member list when joining one (join.ts); an existing one restarts from
// disk and ignores those settings, as etcd does.
import { join } from 'node:path';
import { MvccStore } from '@keel/kv-mvcc';
import type { SnapshotMetadata } from '@keel/raft-core';
import { RaftLog } from '@keel/raft-wal';
import { readClusterFile, writeClusterFile, type ClusterFile } from './cluster-file.js';
import type { ResolvedConfig } from './config.js';
import { EmbedError } from './errors.js';
import { joinCluster, type JoinOptions } from './join.js';
import { deriveClusterId, deriveMemberId } from './member-id.js';
import { finishSnapshotInstall } from './snapshot-files.js';
import { withMemberTable } from './snapshot-head.js';

/** Test-only switches of `startServer`; never set them in production. */
export interface UnsafeOptions {
  /** Skip fsync in the WAL and the store: a machine crash may lose acknowledged writes. */
  readonly unsafeNoSync?: boolean;
}

/** A member's opened storage and identity. */
export interface MemberStorage {
  readonly identity: ClusterFile;
  readonly log: RaftLog;
  readonly kv: MvccStore;
  /** Whether this start created the member (false: restarted from an existing data directory). */
  readonly bootstrapped: boolean;
}

/** The identity a founding member derives from its config, as etcd does (no talking needed). */
export function identityFromConfig(config: ResolvedConfig): ClusterFile {
  const members = [...config.initialCluster].map(([name, peerUrls]) => ({
    id: deriveMemberId(peerUrls, config.initialClusterToken),
    name,
    peerUrls,
  }));
  members.sort((a, b) => a.id - b.id);
  const self = members.find((m) => m.name === config.name);
  if (self === undefined) {
    throw new EmbedError({
      code: 'INVALID_CONFIG',
      message: `invalid config initialCluster: has no member named "${config.name}"`,
      field: 'initialCluster',
    });
  }
  return {
    memberId: self.id,
    clusterId: deriveClusterId(members.map((m) => m.id)),
    members,
    base: members,
  };
}

/**
 * The starting point of a cluster's log: index 1, term 1, the founders as voters. Every founding
 * member writes the same one, so they agree on the configuration without a bootstrap entry
 * (etcd appends conf change entries instead; the effect on elections is the same); a member that
 * joins later writes the same one too (the founders are its `base`) and replays the log after it.
 */
function bootstrapBase(identity: ClusterFile): SnapshotMetadata {
  return {
    index: 1,
    term: 1,
    confState: {
      voters: (identity.base ?? identity.members).map((m) => m.id),
      learners: [],
      votersOutgoing: [],
      learnersNext: [],
      autoLeave: false,
    },
  };
}

/** Gives a fresh Raft log its starting point (`bootstrapBase`, with an empty store), committed. */
export async function bootstrapLog(log: RaftLog, identity: ClusterFile): Promise<void> {
  const base = bootstrapBase(identity);
  await log.save({
    snapshot: { data: new Uint8Array(0), metadata: base },
    hardState: { term: base.term, vote: 0, commit: base.index },
  });
}

/**
 * Opens (and when new, bootstraps) the member's identity, Raft log and kv store; `joining` is how
 * a new member of an existing cluster reaches its peers.
 */
export async function openMemberStorage(
  config: ResolvedConfig,
  unsafe: UnsafeOptions,
  joining: JoinOptions,
): Promise<MemberStorage> {
  const existing = readClusterFile(config.dataDir);
  if (existing?.removed?.includes(existing.memberId) === true) {
    throw new EmbedError({
      code: 'MEMBER_REMOVED',
      message:
        'the member has been permanently removed from the cluster; start a new member with an empty data directory',
    });
  }
  let identity =
    existing ??
    (config.clusterState === 'existing'
      ? await joinCluster(config, joining)
      : identityFromConfig(config));
  // The identity is written before the log: a crash in between leaves an empty log that the
  // next start bootstraps again, never a log without an identity.
  if (existing === undefined) writeClusterFile(config.dataDir, identity);
  const noSync = unsafe.unsafeNoSync === true;
  const log = RaftLog.open({ dir: config.walDir, unsafeNoSync: noSync });
  let kv: MvccStore | undefined;
  try {
    if (log.lastIndex() === 0) await bootstrapLog(log, identity);
    kv = MvccStore.open({
      path: join(config.dataDir, 'member', 'kv'),
      maxTxnOps: config.maxTxnOps,
      quotaBackendBytes: config.quotaBackendBytes,
      unsafeNoSync: noSync,
    });
    const walSnapshotIndex = log.snapshot().metadata.index;
    finishSnapshotInstall({
      ...{ dataDir: config.dataDir, walSnapshotIndex, kv },
      installMembers: (table) => {
        identity = withMemberTable(identity, table);
        writeClusterFile(config.dataDir, identity);
      },
    });
    return { identity, log, kv, bootstrapped: existing === undefined };
  } catch (e) {
    await kv?.close();
    await log.close();
    throw e;
  }
}
