// ETCD_* environment variables, as etcd's pkg/flags reads them: every flag has a variable named
// ETCD_ + its name upper-cased with dashes as underscores; a variable fills in a flag not given
// on the command line; a variable and its flag both present is refused; a non-empty value must
// parse as the flag's type; other ETCD_* variables only earn a warning.
import { KeelError } from './errors.js';
import type { FlagDef } from './flag-table.js';
import { flagTable, flagToEnv } from './flag-table.js';
import { parseFlagValue } from './flag-values.js';
import type { FlagValue } from './flag-values.js';
import { envVarsMax } from './limits.js';
import type { Note } from './notes.js';

/** The process environment, or a test's stand-in for it. */
export type Env = Readonly<Record<string, string | undefined>>;

/** What the environment contributes: flag values by canonical name, and notes to log. */
export interface EnvSettings {
  readonly values: ReadonlyMap<string, FlagValue>;
  readonly notes: readonly Note[];
}

// etcd unsets ETCD_VERSION with a warning instead of treating it as --version.
const specialVersionKey = 'ETCD_VERSION';

function envFlags(): FlagDef[] {
  return flagTable.filter(
    (d) => d.keelOnly !== true && d.name !== 'version' && d.name !== 'config-file',
  );
}

function checkConflicts(env: Env, fromFlags: ReadonlySet<string>): void {
  for (const def of envFlags()) {
    const key = flagToEnv(def.name);
    // etcd compares by flag; keel stores a deprecated spelling under the flag it stands for, so
    // either spelling on the command line conflicts with either spelling's variable.
    if (env[key] !== undefined && fromFlags.has(def.aliasOf ?? def.name)) {
      throw new KeelError({
        code: 'ENV_CONFLICT',
        message:
          `conflicting environment variable "${key}" is shadowed by corresponding command-line ` +
          `flag (either unset environment variable or disable flag): unset ${key} or drop ` +
          `--${def.name}`,
      });
    }
  }
}

/**
 * Reads the flags that `env` sets and the command line did not (`fromFlags`, canonical names).
 *
 * @throws KeelError `ENV_CONFLICT` when a variable's flag is also on the command line;
 *   `BAD_ENV_VALUE` when a non-empty value does not parse as its flag's type.
 */
export function readEnvSettings(env: Env, fromFlags: ReadonlySet<string>): EnvSettings {
  checkConflicts(env, fromFlags);
  const values = new Map<string, FlagValue>();
  const notes: Note[] = [];
  const used = new Set<string>();
  for (const def of envFlags()) {
    const key = flagToEnv(def.name);
    const text = env[key];
    // As etcd: an empty variable is as good as unset.
    if (text === undefined || text === '') continue;
    used.add(key);
    const parsed = parseFlagValue(def, text);
    if (!parsed.ok) {
      throw new KeelError({
        code: 'BAD_ENV_VALUE',
        message: `invalid value "${text}" for ${key}: ${parsed.reason}`,
      });
    }
    values.set(def.aliasOf ?? def.name, parsed.value);
    notes.push({ level: 'info', text: `recognized and used environment variable ${key}=${text}` });
  }
  const keys = Object.keys(env).slice(0, envVarsMax);
  for (const key of keys.filter((k) => k.startsWith('ETCD_') && !used.has(k)).sort()) {
    if (env[key] === undefined) continue;
    notes.push(
      key === specialVersionKey
        ? { level: 'warn', text: `cannot set special environment variable ${key}; ignored` }
        : { level: 'warn', text: `unrecognized environment variable ${key}=${env[key]}` },
    );
  }
  return { values, notes };
}
