// `keel snapshot restore FILE --data-dir DIR ...`: etcdutl's flags and checks (the restore
// itself is restore.ts).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isEmbedError, resolveConfig, type ServerConfig } from '@keel/embed';
import { scanArgs } from './argv.js';
import { assert } from './assert.js';
import { KeelError } from './errors.js';
import type { FlagDef, FlagKind } from './flag-table.js';
import { parseFlagValue } from './flag-values.js';
import type { FlagValue } from './flag-values.js';
import { describeFlag } from './usage.js';

/** A validated `snapshot restore` request (etcdutl's RestoreConfig). */
export interface RestoreOptions {
  readonly snapshotPath: string;
  readonly dataDir: string;
  /** Default `<dataDir>/member/wal`, as etcdutl. */
  readonly walDir: string;
  readonly name: string;
  readonly initialCluster: string;
  readonly initialClusterToken: string;
  readonly initialAdvertisePeerUrls: readonly string[];
  readonly skipHashCheck: boolean;
  /** 0 means the store's default map size. */
  readonly initialMemoryMapSizeBytes: number;
  /** Added to the latest revision after the restore (needs `markCompacted`). */
  readonly bumpRevision: number;
  readonly markCompacted: boolean;
}

/** The new member a restore makes, as `startServer` (and `restoreMember`) take it. */
export function restoredMemberConfig(o: RestoreOptions): ServerConfig {
  return {
    name: o.name,
    dataDir: o.dataDir,
    walDir: o.walDir,
    initialCluster: o.initialCluster,
    initialClusterToken: o.initialClusterToken,
    initialAdvertisePeerUrls: o.initialAdvertisePeerUrls,
  };
}

type Row = readonly [name: string, kind: FlagKind, defaultText: string, help: string];

const rows: readonly Row[] = [
  ['data-dir', 'string', '', 'Directory to create the member in (required; must not exist).'],
  ['wal-dir', 'string', '', 'Separate directory for the Raft log (default: inside --data-dir).'],
  ['name', 'string', 'default', 'Name of the member being created.'],
  [
    'initial-cluster',
    'string',
    'default=http://localhost:2380',
    'Members of the restored cluster, as name=peer-url pairs.',
  ],
  ['initial-cluster-token', 'string', 'etcd-cluster', 'Token of the restored cluster.'],
  [
    'initial-advertise-peer-urls',
    'urls',
    'http://localhost:2380',
    "This member's peer URLs; must match its entry in --initial-cluster.",
  ],
  ['skip-hash-check', 'bool', 'false', "Skip the snapshot's integrity hash (a copied db file)."],
  [
    'initial-memory-map-size',
    'uint',
    '10737418240',
    'Initial memory map size of the store in bytes (0: the default).',
  ],
  ['bump-revision', 'uint', '0', 'Add this much to the latest revision after the restore.'],
  [
    'mark-compacted',
    'bool',
    'false',
    'Mark the latest revision as compacted (required with --bump-revision > 0, refused without).',
  ],
];

const restoreFlags: readonly FlagDef[] = rows.map(([name, kind, defaultText, help]) => ({
  name,
  kind,
  defaultText,
  help,
  section: 'Keel',
  effect: 'keel',
}));

/** `keel snapshot restore --help`, laid out as etcdutl's. */
export function restoreUsageText(): string {
  return [
    'Usage:',
    '',
    '  keel snapshot restore <filename> --data-dir <dir> [options]',
    "    Turn a snapshot saved with 'etcdctl snapshot save' into a new member's data directory.",
    '',
    'Flags:',
    ...restoreFlags.map((d) => describeFlag(d)),
  ].join('\n');
}

function badArgs(message: string): never {
  throw new KeelError({ code: 'BAD_ARGS', message });
}

function invalid(message: string, cause?: unknown): never {
  throw new KeelError({ code: 'INVALID_CONFIG', message, cause });
}

function checkPaths(snapshotPath: string, dataDir: string): void {
  let isFile = false;
  try {
    isFile = statSync(snapshotPath).isFile();
  } catch (e) {
    invalid(`snapshot file "${snapshotPath}" cannot be read (${(e as Error).message})`, e);
  }
  if (!isFile) invalid(`snapshot file "${snapshotPath}" is not a regular file`);
  let entries: string[] = [];
  try {
    entries = readdirSync(dataDir);
  } catch (e) {
    // A data dir that does not exist yet is the normal case; anything else is unreadable.
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      invalid(`data-dir "${dataDir}" not empty or could not be read`, e);
    }
  }
  if (entries.length > 0) invalid(`data-dir "${dataDir}" not empty or could not be read`);
}

function checkCluster(o: RestoreOptions): void {
  try {
    resolveConfig(restoredMemberConfig(o));
  } catch (e) {
    if (!isEmbedError(e, 'INVALID_CONFIG')) throw e;
    invalid(e.message, e);
  }
}

type Values = ReadonlyMap<string, FlagValue>;

/** The scanned values over etcdutl's defaults, so every restore flag has a value. */
function withDefaults(scanned: Values): Values {
  const all = new Map<string, FlagValue>();
  for (const def of restoreFlags) {
    const fallback = parseFlagValue(def, def.defaultText);
    assert(fallback.ok, `default of --${def.name} must parse`);
    all.set(def.name, scanned.get(def.name) ?? fallback.value);
  }
  return all;
}

function text(v: Values, name: string): string {
  const x = v.get(name);
  assert(typeof x === 'string', `--${name} holds text`);
  return x;
}

function count(v: Values, name: string): number {
  const x = v.get(name);
  assert(typeof x === 'number', `--${name} holds a number`);
  return x;
}

function flag(v: Values, name: string): boolean {
  const x = v.get(name);
  assert(typeof x === 'boolean', `--${name} holds a boolean`);
  return x;
}

function urlList(v: Values, name: string): readonly string[] {
  const x = v.get(name);
  assert(Array.isArray(x), `--${name} holds a list`);
  return x as readonly string[];
}

/** The result of reading `keel snapshot restore ...`: options, or a request for help. */
export type RestoreCommand =
  | { readonly kind: 'restore-help'; readonly text: string }
  | { readonly kind: 'restore'; readonly options: RestoreOptions };

/**
 * Parses and validates `snapshot restore` arguments (after `keel snapshot restore`).
 *
 * @throws KeelError `UNKNOWN_FLAG` / `BAD_FLAG_VALUE` for bad flags; `BAD_ARGS` for anything
 *   but one snapshot file, a missing --data-dir, or --bump-revision without --mark-compacted;
 *   `INVALID_CONFIG` for an unreadable snapshot, a non-empty data dir, or a cluster that does
 *   not list this member at its peer URLs.
 */
export function parseRestoreArgs(argv: readonly string[]): RestoreCommand {
  const scanned = scanArgs(argv, {
    dialect: 'pflag',
    lookup: (name) => restoreFlags.find((d) => d.name === name),
  });
  if (scanned.help) return { kind: 'restore-help', text: restoreUsageText() };
  if (scanned.positional.length !== 1) badArgs('snapshot restore requires exactly one argument');
  const v = withDefaults(scanned.values);
  const dataDir = text(v, 'data-dir');
  if (dataDir === '') badArgs('required flag(s) "data-dir" not set');
  const bumpRevision = count(v, 'bump-revision');
  const markCompacted = flag(v, 'mark-compacted');
  if (bumpRevision > 0 !== markCompacted) {
    badArgs('--mark-compacted is required with --bump-revision > 0, and refused without it');
  }
  const walDir = text(v, 'wal-dir');
  const options: RestoreOptions = {
    snapshotPath: scanned.positional[0] ?? '',
    dataDir,
    walDir: walDir === '' ? join(dataDir, 'member', 'wal') : walDir,
    name: text(v, 'name'),
    initialCluster: text(v, 'initial-cluster'),
    initialClusterToken: text(v, 'initial-cluster-token'),
    initialAdvertisePeerUrls: urlList(v, 'initial-advertise-peer-urls'),
    skipHashCheck: flag(v, 'skip-hash-check'),
    initialMemoryMapSizeBytes: count(v, 'initial-memory-map-size'),
    bumpRevision,
    markCompacted,
  };
  checkCluster(options);
  checkPaths(options.snapshotPath, dataDir);
  return { kind: 'restore', options };
}
