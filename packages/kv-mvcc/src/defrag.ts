// Defragmentation: etcd rewrites its bbolt file compactly; here LMDB's compacting copy
// (mdb_env_copy2 with MDB_CP_COMPACT, lmdb-js's `backup(path, true)`) writes every live page of
// the environment, renumbered and without the free ones, into a new file, which then replaces
// the old one by an atomic rename.
//
// The steps, and what a crash leaves at each point (the store's directory is `kv/`, its file
// `kv/data.mdb`; the copy is made in a fresh sibling directory `kv-defrag-XXXXXX/` (no dot: lmdb-js takes a name with an extension for a file)):
//   1. copy into `kv-defrag-XXXXXX/data.mdb` and fsync it. A crash: the old file is untouched;
//      the next open removes the sibling directory.
//   2. open the copy as the new environment (at the sibling path; its lock file lives there).
//   3. rename the copy over `kv/data.mdb` and fsync `kv/`. rename(2) is atomic: after a crash
//      the name holds the old file or the complete, fsynced new one, never a mix; the fsync of
//      the directory makes the new name durable before anything is written to the new file.
//   4. the store switches to the new environment; the old one closes once no snapshot stream
//      reads it. Writers wait for the whole sequence (the store refuses writes meanwhile), so
//      the copy holds every write, in order, and nothing is written to the old file after it.
import {
  closeSync,
  fsyncSync,
  mkdtempSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { openTables, type OpenTablesOptions, type Tables } from './tables.js';

/** LMDB's file name inside an environment directory. */
const dataFileName = 'data.mdb';

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The prefix of defragmentation directories beside the store at `path`. */
function defragPrefix(path: string): string {
  return `${basename(path)}-defrag-`;
}

/**
 * Removes what interrupted or finished defragmentations left beside the store at `path` (copies
 * never renamed in, lock files of environments since closed). Call before opening the store.
 */
export function removeDefragLeftovers(path: string): void {
  const parent = dirname(path);
  const prefix = defragPrefix(path);
  for (const name of readdirSync(parent)) {
    if (name.startsWith(prefix)) rmSync(join(parent, name), { recursive: true, force: true });
  }
}

/** A defragmented environment, switched in; `dir` is removed once it is closed. */
export interface DefragmentedTables {
  readonly tables: Tables;
  /** The sibling directory the environment was opened at (its lock file is there). */
  readonly dir: string;
}

/**
 * Copies `tables` compactly, opens the copy and renames it over the store's file (steps 1 to 3
 * above); `switchTo` is called right after the rename, so the store uses the new environment
 * from then on even if the directory's fsync fails. Nothing may write to `tables` until it
 * resolves; reads may go on. A failure before the rename leaves the old file in use and nothing
 * behind; one after it (the fsync of the directory) is rethrown for the caller to stop on.
 */
export async function defragmentTables(
  tables: Tables,
  opts: OpenTablesOptions,
  switchTo: (next: DefragmentedTables) => void,
): Promise<void> {
  const dir = mkdtempSync(join(dirname(opts.path), defragPrefix(opts.path)));
  let next: Tables | undefined;
  try {
    await tables.env.backup(dir, true);
    const copy = join(dir, dataFileName);
    fsyncPath(copy);
    next = openTables({ ...opts, path: dir });
    renameSync(copy, join(opts.path, dataFileName));
  } catch (e) {
    await next?.env.close();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  switchTo({ tables: next, dir });
  fsyncPath(opts.path);
}
