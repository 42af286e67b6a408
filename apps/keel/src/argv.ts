// The command-line scanner. Two dialects, because etcd uses two: the `etcd` server parses with
// Go's flag package (`-flag` or `--flag`, parsing stops at the first word that is not a flag),
// while etcdutl's `snapshot restore` uses cobra/pflag (`--flag` only, words and flags may mix).
// Both take `--flag=value` and `--flag value`; a boolean takes `--flag` or `--flag=false`, never
// `--flag false` (the `false` would be a positional word, as in Go).
import { KeelError } from './errors.js';
import type { FlagDef } from './flag-table.js';
import { parseFlagValue } from './flag-values.js';
import type { FlagValue } from './flag-values.js';
import { argvWordsMax } from './limits.js';

/** Which etcd binary's flag syntax to follow. */
export type ArgvDialect = 'go-flag' | 'pflag';

/** What the scanner found: flags set (by canonical name), positional words, and `--help`. */
export interface ScannedArgs {
  /** Flags given on the command line, in order of first appearance; the last value wins. */
  readonly values: ReadonlyMap<string, FlagValue>;
  readonly positional: readonly string[];
  readonly help: boolean;
}

interface Scanner {
  readonly argv: readonly string[];
  readonly dialect: ArgvDialect;
  readonly lookup: (name: string) => FlagDef | undefined;
  i: number;
  readonly values: Map<string, FlagValue>;
  readonly positional: string[];
  help: boolean;
}

function dash(s: Scanner, name: string): string {
  return s.dialect === 'go-flag' ? `-${name}` : `--${name}`;
}

function unknownFlag(s: Scanner, name: string): never {
  const what =
    s.dialect === 'go-flag' ? `flag provided but not defined: -${name}` : `unknown flag: --${name}`;
  throw new KeelError({ code: 'UNKNOWN_FLAG', message: what });
}

function badValue(s: Scanner, def: FlagDef, detail: { text: string; reason: string }): never {
  const message =
    s.dialect === 'pflag'
      ? `invalid argument "${detail.text}" for "--${def.name}" flag: ${detail.reason}`
      : def.kind === 'bool'
        ? `invalid boolean value "${detail.text}" for -${def.name}: ${detail.reason}`
        : `invalid value "${detail.text}" for flag -${def.name}: ${detail.reason}`;
  throw new KeelError({ code: 'BAD_FLAG_VALUE', message });
}

/** Reads the flag at `s.i` (already known to start with a dash) and advances past it. */
function scanFlag(s: Scanner, word: string, dashes: number): void {
  const body = word.slice(dashes);
  if (body === '' || body.startsWith('-') || body.startsWith('=')) {
    throw new KeelError({ code: 'UNKNOWN_FLAG', message: `bad flag syntax: ${word}` });
  }
  const eq = body.indexOf('=');
  const name = eq < 0 ? body : body.slice(0, eq);
  let text = eq < 0 ? undefined : body.slice(eq + 1);
  s.i += 1;
  const def = s.lookup(name);
  if (def === undefined) {
    if (name === 'help' || name === 'h') {
      s.help = true;
      return;
    }
    unknownFlag(s, name);
  }
  if (def.kind === 'bool') {
    text ??= 'true';
  } else if (text === undefined) {
    // A non-boolean flag takes the next word whatever it looks like, as Go's flag package does.
    text = s.argv[s.i];
    if (text === undefined) {
      throw new KeelError({
        code: 'BAD_FLAG_VALUE',
        message: `flag needs an argument: ${dash(s, name)}`,
      });
    }
    s.i += 1;
  }
  const parsed = parseFlagValue(def, text);
  if (!parsed.ok) badValue(s, def, { text, reason: parsed.reason });
  const key = def.aliasOf ?? def.name;
  s.values.set(key, parsed.value);
}

function scanWord(s: Scanner): boolean {
  const word = s.argv[s.i] ?? '';
  if (word === '--') {
    s.positional.push(...s.argv.slice(s.i + 1));
    return false;
  }
  if (word.length < 2 || !word.startsWith('-')) {
    if (s.dialect === 'go-flag') {
      s.positional.push(...s.argv.slice(s.i));
      return false;
    }
    s.positional.push(word);
    s.i += 1;
    return true;
  }
  if (s.dialect === 'pflag' && !word.startsWith('--')) {
    if (word === '-h') {
      s.help = true;
      s.i += 1;
      return true;
    }
    throw new KeelError({
      code: 'UNKNOWN_FLAG',
      message: `unknown shorthand flag: '${word.charAt(1)}' in ${word}`,
    });
  }
  scanFlag(s, word, word.startsWith('--') ? 2 : 1);
  // Go's flag package stops at -h/--help; so do we, leaving the rest unread.
  return !s.help;
}

/**
 * Scans `argv` against a flag table in one of etcd's two dialects.
 *
 * @throws KeelError `UNKNOWN_FLAG` for a flag the table lacks or bad syntax; `BAD_FLAG_VALUE`
 *   for a value that does not parse or a missing value. Messages follow Go's flag package.
 */
export function scanArgs(
  argv: readonly string[],
  opts: { dialect: ArgvDialect; lookup: (name: string) => FlagDef | undefined },
): ScannedArgs {
  if (argv.length > argvWordsMax) {
    throw new KeelError({
      code: 'UNKNOWN_FLAG',
      message: `more than ${argvWordsMax} command-line words`,
    });
  }
  const s: Scanner = { argv, ...opts, i: 0, values: new Map(), positional: [], help: false };
  // Bounded: each turn consumes at least one word of argv.
  while (s.i < argv.length && scanWord(s));
  return { values: s.values, positional: s.positional, help: s.help };
}
