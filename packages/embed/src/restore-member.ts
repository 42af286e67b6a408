// A new member's data directory made from a snapshot of a store (what etcdutl's `snapshot
// restore` does): the store restored from the stream with its consistent index reset, a new
// identity derived from the restore's initial cluster and token (new member and cluster IDs), and
// a Raft log bootstrapped as a new member's. Every member of the new cluster is restored from the
// same snapshot with the same initial cluster, so they start from equal states.
//
// The directory is built beside its final place and renamed into it at the end (the WAL first
// when it lives elsewhere), so an interrupted restore never leaves a data directory that starts
// with part of the state: either the restored member or nothing (then a start bootstraps an
// empty member).
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  rmdirSync,
} from 'node:fs';
import { dirname, join, relative, isAbsolute } from 'node:path';
import { MvccStore } from '@keel/kv-mvcc';
import { RaftLog } from '@keel/raft-wal';
import { bootstrapLog, identityFromConfig } from './bootstrap.js';
import { writeClusterFile } from './cluster-file.js';
import { resolveConfig, type ServerConfig } from './config.js';
import { EmbedError } from './errors.js';

/** Options of `restoreMember`. */
export interface RestoreMemberOptions {
  /**
   * The store's snapshot: the bytes `Maintenance.Snapshot` sends before its sha256 trailer
   * (kv-mvcc's stream; zero padding after it is ignored). Checking that trailer is the caller's.
   */
  readonly snapshot: AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
  /** The new member: `name`, `dataDir`, `walDir`, `initialCluster`, `initialClusterToken`,
   * `initialAdvertisePeerUrls` (checked as `startServer` checks them). */
  readonly config: ServerConfig;
  /** Added to the restored revision (etcdutl's --bump-revision); needs `markCompacted`. */
  readonly bumpRevision?: number;
  /** Marks the restored (bumped) revision compacted (etcdutl's --mark-compacted). */
  readonly markCompacted?: boolean;
}

/** What a restore made. */
export interface RestoredMember {
  readonly memberId: number;
  readonly clusterId: number;
  /** The store's revision after the restore. */
  readonly revision: number;
}

/** The index of the bootstrap snapshot every new member's log starts at. */
const bootstrapIndex = 1;

function checkEmpty(field: 'dataDir' | 'walDir', dir: string): void {
  let names: string[] = [];
  try {
    names = existsSync(dir) ? readdirSync(dir) : [];
  } catch (e) {
    names = [String(e)];
  }
  if (names.length === 0) return;
  const flag = field === 'dataDir' ? 'data-dir' : 'wal-dir';
  throw new EmbedError({
    code: 'INVALID_CONFIG',
    message: `invalid config ${field}: ${flag} "${dir}" not empty or could not be read`,
    field,
  });
}

/** Renames `from` to `to` (absent or an empty directory) and makes the rename durable. */
function moveInto(from: string, to: string): void {
  // An empty directory may stand in the way (checked empty above); rmdir refuses anything else.
  if (existsSync(to)) rmdirSync(to);
  renameSync(from, to);
  const fd = openSync(dirname(to), 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes a new member's data directory from a store snapshot, as etcdutl's `snapshot restore`;
 * start the member on it with `startServer` and the same config.
 * @throws EmbedError INVALID_CONFIG (a config rule, or a data or WAL directory not empty);
 * MvccError SNAPSHOT_INVALID (the stream is damaged or is not a store snapshot). Nothing is left
 * behind on failure.
 */
export async function restoreMember(o: RestoreMemberOptions): Promise<RestoredMember> {
  const config = resolveConfig({ ...o.config, clusterState: 'new' });
  checkEmpty('dataDir', config.dataDir);
  checkEmpty('walDir', config.walDir);
  const identity = identityFromConfig(config);
  const suffix = `.restoring-${randomBytes(4).toString('hex')}`;
  const stage = `${config.dataDir}${suffix}`;
  const walInside = relative(config.dataDir, config.walDir);
  const inside = !walInside.startsWith('..') && !isAbsolute(walInside);
  const stageWal = inside ? join(stage, walInside) : `${config.walDir}${suffix}`;
  try {
    const kvDir = join(stage, 'member', 'kv');
    await MvccStore.restore(kvDir, o.snapshot, {
      consistentIndex: bootstrapIndex,
      ...(o.bumpRevision !== undefined ? { bumpRevision: o.bumpRevision } : {}),
      ...(o.markCompacted !== undefined ? { markCompacted: o.markCompacted } : {}),
    });
    const kv = MvccStore.open({ path: kvDir });
    const revision = kv.revision;
    await kv.close();
    writeClusterFile(stage, identity);
    const log = RaftLog.open({ dir: stageWal });
    try {
      await bootstrapLog(log, identity);
    } finally {
      await log.close();
    }
    if (!inside) moveInto(stageWal, config.walDir);
    moveInto(stage, config.dataDir);
    return { memberId: identity.memberId, clusterId: identity.clusterId, revision };
  } catch (e) {
    rmSync(stage, { recursive: true, force: true });
    if (!inside) rmSync(stageWal, { recursive: true, force: true });
    throw e;
  }
}
