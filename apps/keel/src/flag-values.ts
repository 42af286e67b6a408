// Parsing one flag's text the way Go's flag package and etcd's flag types do, so that a value
// etcd accepts is accepted here and a value etcd refuses is refused with the same reason.
import type { FlagDef, FlagKind } from './flag-table.js';
import { urlsPerFlagMax } from './limits.js';

/** A parsed flag value: text, a boolean, a number (durations in milliseconds), or a list. */
export type FlagValue = string | boolean | number | readonly string[];

/** The outcome of parsing: the value, or Go's reason for refusing the text. */
export type ParseResult =
  | { readonly ok: true; readonly value: FlagValue }
  | { readonly ok: false; readonly reason: string };

const parseError = { ok: false, reason: 'parse error' } as const;

function ok(value: FlagValue): ParseResult {
  return { ok: true, value };
}

const goTrue = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const goFalse = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** Go's strconv.ParseBool; `undefined` when the text is not one of its spellings. */
export function parseGoBool(text: string): boolean | undefined {
  if (goTrue.has(text)) return true;
  if (goFalse.has(text)) return false;
  return undefined;
}

const integerBases: readonly { prefix: RegExp; digits: string; js: string }[] = [
  { prefix: /^0[xX]/, digits: '[0-9a-fA-F]', js: '0x' },
  { prefix: /^0[bB]/, digits: '[01]', js: '0b' },
  { prefix: /^0[oO]/, digits: '[0-7]', js: '0o' },
  // Go's base 0 reads a leading 0 as octal, as C does.
  { prefix: /^0(?=[0-9_])/, digits: '[0-7]', js: '0o' },
];

/**
 * Go's strconv.ParseInt/ParseUint with base 0: decimal, `0x`, `0b`, `0o` or a leading `0` for
 * octal, and `_` between digits. Returns undefined for a syntax error.
 */
function parseGoInteger(text: string): bigint | undefined {
  const negative = text.startsWith('-');
  const unsigned = /^[+-]/.test(text) ? text.slice(1) : text;
  let body = unsigned;
  let js = '';
  let digits = '[0-9]';
  for (const base of integerBases) {
    const m = base.prefix.exec(unsigned);
    if (m === null) continue;
    body = unsigned.slice(m[0].length);
    js = base.js;
    digits = base.digits;
    break;
  }
  // After a base prefix one leading underscore is allowed; otherwise only between digits.
  const shape = new RegExp(`^${js === '' ? '' : '_?'}${digits}(_?${digits})*$`);
  if (!shape.test(body)) return undefined;
  const magnitude = BigInt(js + body.replaceAll('_', ''));
  return negative ? -magnitude : magnitude;
}

const integerRanges: Readonly<Record<string, readonly [bigint, bigint]>> = {
  uint: [0n, 2n ** 64n - 1n],
  int: [-(2n ** 63n), 2n ** 63n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
};

function parseInteger(kind: FlagKind, text: string): ParseResult {
  const range = integerRanges[kind];
  if (range === undefined) return parseError;
  // Go's ParseUint refuses a sign at all, so "-1" and "+1" are syntax errors for uints.
  if (kind !== 'int' && /^[+-]/.test(text)) return parseError;
  const n = parseGoInteger(text);
  if (n === undefined) return parseError;
  if (n < range[0] || n > range[1]) return { ok: false, reason: 'value out of range' };
  // Numbers travel as JavaScript numbers from here on; beyond 2^53 they would silently round.
  if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER)) {
    return { ok: false, reason: 'value out of range (keel takes at most 2^53-1)' };
  }
  return ok(Number(n));
}

const durationUnitMs: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Go's time.ParseDuration (`1h30m`, `250ms`, `-1.5s`, `0`), in milliseconds. */
export function parseGoDuration(text: string): number | undefined {
  if (/^[+-]?0$/.test(text)) return 0;
  const m = /^([+-]?)((?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/.exec(text);
  if (m === null) return undefined;
  let total = 0;
  for (const part of (m[2] ?? '').matchAll(/(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) {
    total += Number(part[1]) * (durationUnitMs[part[2] ?? ''] ?? Number.NaN);
  }
  if (!Number.isFinite(total)) return undefined;
  return m[1] === '-' ? -total : total;
}

/**
 * etcd's URL-list check (types.NewURLs): comma-separated, trimmed, each a URL whose scheme is
 * http, https, unix or unixs, with `host:port` and no path. The empty text is the empty list.
 * Duplicates are dropped, as etcd's UniqueURLs does.
 */
export function parseUrlList(text: string): ParseResult {
  if (text === '') return ok([]);
  const parts = text.split(',').map((s) => s.trim());
  if (parts.length > urlsPerFlagMax) {
    return { ok: false, reason: `more than ${urlsPerFlagMax} URLs` };
  }
  for (const raw of parts) {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return { ok: false, reason: `parse "${raw}": invalid URL` };
    }
    const scheme = url.protocol.replace(/:$/, '');
    if (!['http', 'https', 'unix', 'unixs'].includes(scheme)) {
      return { ok: false, reason: `URL scheme must be http, https, unix, or unixs: ${raw}` };
    }
    if (scheme.startsWith('http') && url.port === '') {
      return { ok: false, reason: `URL address does not have the form "host:port": ${raw}` };
    }
    // WHATWG URLs report "/" for no path at all, so look at the text after the authority, as
    // Go's url.Parse does: "http://a:1/" has a path there and etcd refuses it.
    const afterAuthority = raw.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '');
    if (afterAuthority.startsWith('/')) {
      return { ok: false, reason: `URL must not contain a path: ${raw}` };
    }
  }
  return ok([...new Set(parts)]);
}

/** Parses `text` as the value of `def`, or gives the reason Go's flag package would give. */
export function parseFlagValue(def: FlagDef, text: string): ParseResult {
  switch (def.kind) {
    case 'string':
      return ok(text);
    case 'bool': {
      const b = parseGoBool(text);
      return b === undefined ? parseError : ok(b);
    }
    case 'uint':
    case 'int':
    case 'uint32':
      return parseInteger(def.kind, text);
    case 'duration': {
      const ms = parseGoDuration(text);
      return ms === undefined ? parseError : ok(ms);
    }
    case 'urls':
      return parseUrlList(text);
    case 'strings':
      return ok(text === '' ? [] : [...new Set(text.split(','))]);
    case 'choice': {
      const choices = def.choices ?? [];
      if (choices.includes(text)) return ok(text);
      return {
        ok: false,
        reason: `valid values are ${choices.map((c) => `"${c}"`).join(', ')}`,
      };
    }
  }
}

/** A value as comparable text: lists joined, booleans and numbers as written. */
export function canonicalValue(value: FlagValue): string {
  return Array.isArray(value) ? value.join(',') : String(value);
}
