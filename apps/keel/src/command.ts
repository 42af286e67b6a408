// Reading the `keel` command line the way etcd reads its own: flags first (Go's syntax; an
// unknown flag stops everything), then --help and --version, then either the config file
// (given by --config-file or ETCD_CONFIG_FILE; every other flag and variable is then ignored) or
// the command line with ETCD_* variables filling in what it does not set.
import { scanArgs } from './argv.js';
import { readConfigFile } from './config-file.js';
import type { Env } from './env.js';
import { readEnvSettings } from './env.js';
import { KeelError } from './errors.js';
import { parseFaultInjectionUrl } from './fault-endpoint.js';
import { findFlag } from './flag-table.js';
import type { FlagValue } from './flag-values.js';
import { buildMemberOptions } from './member-options.js';
import type { MemberOptions } from './member-options.js';
import type { RestoreOptions } from './restore-args.js';
import { parseRestoreArgs } from './restore-args.js';
import { usageText } from './usage.js';

/** What the command line asks for. */
export type KeelCommand =
  | { readonly kind: 'help'; readonly text: string }
  | { readonly kind: 'version' }
  | {
      readonly kind: 'member';
      readonly options: MemberOptions;
      readonly dryRun: boolean;
      /** `--unsafe-fault-injection-url` (tests only), read from the command line only. */
      readonly faultInjectionUrl?: URL;
    }
  | { readonly kind: 'restore-help'; readonly text: string }
  | { readonly kind: 'restore'; readonly options: RestoreOptions };

function parseSnapshotCommand(argv: readonly string[]): KeelCommand {
  const sub = argv[0];
  if (sub === 'restore') return parseRestoreArgs(argv.slice(1));
  if (sub === '--help' || sub === '-h') {
    return {
      kind: 'restore-help',
      text: "keel snapshot has one subcommand, restore; run 'keel snapshot restore --help'.",
    };
  }
  const hint =
    sub === 'save' || sub === 'status'
      ? `keel has no 'snapshot ${sub}': use 'etcdctl snapshot ${sub}' against a running member`
      : "keel snapshot takes the subcommand 'restore'";
  throw new KeelError({ code: 'BAD_ARGS', message: hint });
}

function flagValue(values: ReadonlyMap<string, FlagValue>, name: string): FlagValue | undefined {
  return values.get(name);
}

/**
 * Parses the `keel` command line and environment into what to do.
 *
 * @throws KeelError with the code of the first problem found; its `exitCode` is etcd's.
 */
export function parseKeelCommand(argv: readonly string[], env: Env): KeelCommand {
  if (argv[0] === 'snapshot') return parseSnapshotCommand(argv.slice(1));
  const scanned = scanArgs(argv, { dialect: 'go-flag', lookup: findFlag });
  if (scanned.help) return { kind: 'help', text: usageText() };
  const stray = scanned.positional[0];
  if (stray !== undefined) {
    throw new KeelError({
      code: 'NOT_A_FLAG',
      message:
        `"${stray}" is not a valid flag (a boolean flag takes its value as --flag=false, ` +
        'not as a separate word)',
    });
  }
  if (flagValue(scanned.values, 'version') === true) return { kind: 'version' };
  const dryRun = flagValue(scanned.values, 'dry-run') === true;
  const faultText = flagValue(scanned.values, 'unsafe-fault-injection-url');
  const faultUrl =
    typeof faultText === 'string' && faultText !== ''
      ? { faultInjectionUrl: parseFaultInjectionUrl(faultText) }
      : {};
  const flagged = new Map(scanned.values);
  flagged.delete('dry-run');
  flagged.delete('version');
  flagged.delete('unsafe-fault-injection-url');
  let configFile = flagValue(flagged, 'config-file');
  flagged.delete('config-file');
  if (configFile === undefined || configFile === '') configFile = env['ETCD_CONFIG_FILE'] ?? '';
  if (typeof configFile === 'string' && configFile !== '') {
    const file = readConfigFile(configFile);
    const options = buildMemberOptions(file.values, 'config-file');
    return {
      kind: 'member',
      options: { ...options, notes: [...file.notes, ...options.notes] },
      dryRun,
      ...faultUrl,
    };
  }
  const fromEnv = readEnvSettings(env, new Set(flagged.keys()));
  const merged = new Map([...fromEnv.values, ...flagged]);
  const options = buildMemberOptions(merged, 'flags');
  return {
    kind: 'member',
    options: { ...options, notes: [...fromEnv.notes, ...options.notes] },
    dryRun,
    ...faultUrl,
  };
}
