// `keel --help`, in the layout of etcd's help: a usage block, then every flag by section, each
// as `--name 'default'` over an indented description.
import type { FlagDef } from './flag-table.js';
import { flagSections, flagTable } from './flag-table.js';

const effectNote: Readonly<Record<FlagDef['effect'], string>> = {
  keel: '',
  noop: ' (accepted for etcd compatibility; no effect in keel)',
  unsupported: " (not supported by keel: only etcd's default is accepted)",
};

/** One flag as etcd's help prints it. */
export function describeFlag(
  def: Pick<FlagDef, 'name' | 'defaultText' | 'help'>,
  note = '',
): string {
  return `  --${def.name} '${def.defaultText}'\n    ${def.help}${note}`;
}

const usageBlock = `Usage:

  keel [flags]
    Start a keel member; the flags are etcd's, so a script that starts etcd can start keel.

  keel --version
    Show the version of keel.

  keel -h | --help
    Show this help.

  keel --config-file <path>
    Read etcd's YAML configuration; other flags and ETCD_* variables are then ignored.

  keel snapshot restore <filename> --data-dir <dir> [options]
    Turn a snapshot saved with 'etcdctl snapshot save' into a new member's data directory.

Every flag can also be set by an ETCD_* variable: ETCD_ + the flag name in upper case with
dashes as underscores (--initial-cluster is ETCD_INITIAL_CLUSTER). A flag and its variable
must not both be set.`;

/** The full `keel --help` text: usage, then every flag with its default, section by section. */
export function usageText(): string {
  const sections = flagSections.map((section) => {
    const defs = flagTable.filter((d) => d.section === section);
    return [`${section}:`, ...defs.map((d) => describeFlag(d, effectNote[d.effect]))].join('\n');
  });
  return [usageBlock, ...sections].join('\n\n');
}

/** The short hint printed after a flag error, as etcd prints its usage line. */
export const usageHint = "Run 'keel --help' for the flags keel accepts.";
