// The snapshots a member receives from its leader, on disk, and how an install survives a crash.
//
// Layout (etcd keeps `member/snap/<index>.snap.db` the same way):
//   <dataDir>/member/snap/<index, 16 hex digits>.snap      a complete received snapshot body
//   <dataDir>/member/snap/<index, 16 hex digits>.snap.tmp  one still arriving
// A body is the member table (snapshot-head.ts) followed by the kv-mvcc store's stream.
//
// Installing a snapshot at index S, in this order:
//   1. receive: the stream is written to `.tmp`, fsynced, renamed to `.snap`, the directory
//      fsynced (a body whose member table does not decode is removed and the receive fails);
//   2. the MsgSnap is stepped, Raft hands the snapshot out in a Ready and the WAL saves it
//      (durable): from here the WAL says the state is at S and holds no entry at or below S;
//   3. the member table is written to cluster.json (durable: temp file, fsync, rename);
//   4. the store's whole state is replaced from the file in one LMDB transaction
//      (`replaceWithSnapshot`), which carries the stream's consistent index C >= S;
//   5. the file is removed.
// A crash before 2 leaves the old WAL, table and store, consistent; the file is removed at the
// next start (which removes every file it does not install). A crash between 2 and 4 leaves the
// store's consistent index below the WAL's snapshot index: the next start finds the file for S
// and does steps 3 and 4 again (writing the same table twice is harmless) before Raft starts.
// LMDB's commit is atomic, so a crash during 4 is one of those cases. After 4 the store is at
// C >= S with the table taken at C, and the file is removed. At every point either the old
// state or the new one is complete on disk, the member table included.
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readSync, readdirSync, rmSync, fsyncSync } from 'node:fs';
import { mkdir, open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { MvccStore } from '@keel/kv-mvcc';
import { assert } from './assert.js';
import { EmbedError } from './errors.js';
import { snapshotFileChunkBytes } from './limits.js';
import { readSnapshotHead, type MemberTable } from './snapshot-head.js';

const fileName = /^([0-9a-f]{16})\.snap$/;

/** The directory of received snapshots. */
export function snapshotDir(dataDir: string): string {
  return join(dataDir, 'member', 'snap');
}

/** The path of the complete received snapshot at `index`. */
export function snapshotFilePath(dataDir: string, index: number): string {
  assert(Number.isSafeInteger(index) && index > 0, 'a snapshot index is a positive integer');
  return join(snapshotDir(dataDir), `${index.toString(16).padStart(16, '0')}.snap`);
}

/** Whether a complete received snapshot at `index` is on disk. */
export function hasSnapshotFile(dataDir: string, index: number): boolean {
  return existsSync(snapshotFilePath(dataDir, index));
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes a received snapshot stream to its file, durably: the complete name appears (by an atomic
 * rename) only once every byte is on disk. Resolves with the byte count.
 */
export async function writeSnapshotFile(
  dataDir: string,
  index: number,
  chunks: AsyncIterable<Uint8Array>,
): Promise<number> {
  const dir = snapshotDir(dataDir);
  await mkdir(dir, { recursive: true });
  const path = snapshotFilePath(dataDir, index);
  // A unique temporary name: a retry may arrive while an abandoned transfer's file is still open.
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  const file = await open(tmp, 'w');
  let bytes = 0;
  try {
    // Bounded by the stream, which the transport ends or fails.
    for await (const chunk of chunks) {
      await file.write(chunk);
      bytes += chunk.byteLength;
    }
    await file.sync();
  } catch (e) {
    await file.close();
    rmSync(tmp, { force: true });
    throw e;
  }
  await file.close();
  await rename(tmp, path);
  fsyncDir(dir);
  return bytes;
}

/**
 * The file's bytes from `offset` in chunks, read synchronously (the install is one synchronous
 * transaction).
 */
function* readSnapshotFile(path: string, offset: number): Generator<Uint8Array> {
  const fd = openSync(path, 'r');
  try {
    let position = offset;
    // Bounded by the file's size: every turn reads at least one byte or stops.
    for (;;) {
      const buf = Buffer.allocUnsafe(snapshotFileChunkBytes);
      const n = readSync(fd, buf, 0, buf.length, position);
      if (n === 0) return;
      position += n;
      yield buf.subarray(0, n);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Removes received snapshots at or below `index` and, when `partial`, files still arriving
 * (only at start, when nothing can be arriving).
 */
export function removeSnapshotFiles(dataDir: string, o: { index: number; partial: boolean }): void {
  const dir = snapshotDir(dataDir);
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    if (name.endsWith('.tmp')) {
      if (o.partial) rmSync(join(dir, name), { force: true });
      continue;
    }
    const m = fileName.exec(name);
    if (m !== null && Number.parseInt(m[1] ?? '', 16) <= o.index) rmSync(join(dir, name));
  }
}

/**
 * Checks the member table at the head of the received snapshot at `index` (step 1); a damaged
 * one removes the file. @throws EmbedError DATA_DIR_DAMAGED
 */
export function checkSnapshotFile(dataDir: string, index: number): void {
  const path = snapshotFilePath(dataDir, index);
  try {
    readSnapshotHead(path);
  } catch (e) {
    rmSync(path, { force: true });
    throw e;
  }
}

/** Where an install writes the snapshot's member table (cluster.json, durably). */
export type InstallMembers = (table: MemberTable) => void;

/**
 * Steps 3 to 5 of the file comment: writes the received snapshot's member table with
 * `installMembers`, replaces the store's state with its store stream, and removes the files it
 * supersedes.
 * @throws EmbedError DATA_DIR_DAMAGED when the file is missing or its member table damaged;
 * MvccError SNAPSHOT_INVALID when the store stream is damaged (the store is then unchanged).
 */
export function installSnapshotFile(o: {
  dataDir: string;
  index: number;
  kv: MvccStore;
  installMembers: InstallMembers;
}): void {
  const path = snapshotFilePath(o.dataDir, o.index);
  if (!existsSync(path)) {
    throw new EmbedError({
      code: 'DATA_DIR_DAMAGED',
      message: `the Raft log holds a snapshot at index ${o.index} but ${path}, the store's state at that index, is missing; restore this member from a backup or remove it from the cluster and add it again`,
    });
  }
  const { table, storeOffset } = readSnapshotHead(path);
  o.installMembers(table);
  o.kv.replaceWithSnapshot(readSnapshotFile(path, storeOffset));
  assert(o.kv.consistentIndex >= o.index, 'an installed snapshot reaches its Raft index');
  assert(o.kv.durableIndex >= o.index, 'an installed snapshot is durable before it is reported');
  removeSnapshotFiles(o.dataDir, { index: o.index, partial: false });
}

/**
 * At start, before Raft: finishes an install a crash interrupted (the WAL's snapshot is ahead of
 * the store) and removes leftover files. The bootstrap snapshot at index 1 holds the empty store.
 * @throws EmbedError DATA_DIR_DAMAGED (see `installSnapshotFile`)
 */
export function finishSnapshotInstall(o: {
  dataDir: string;
  walSnapshotIndex: number;
  kv: MvccStore;
  installMembers: InstallMembers;
}): void {
  const { dataDir, walSnapshotIndex: index, kv, installMembers } = o;
  if (kv.consistentIndex < index && index > 1) {
    installSnapshotFile({ dataDir, index, kv, installMembers });
  }
  // Nothing is arriving before start, and a file the WAL does not name is never installed.
  removeSnapshotFiles(dataDir, { index: Number.MAX_SAFE_INTEGER, partial: true });
}
