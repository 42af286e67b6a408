// `--config-file`: etcd's YAML configuration. Keys are the flag names; URL lists are
// comma-separated strings (as etcd reads them); TLS settings live in `client-transport-security`
// and `peer-transport-security` blocks. As etcd, a key it does not know is ignored (keel warns),
// and a null value leaves the default.
import { readFileSync, statSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { KeelError } from './errors.js';
import type { FlagDef } from './flag-table.js';
import { findFlag, flagTable } from './flag-table.js';
import { parseFlagValue } from './flag-values.js';
import type { FlagValue, ParseResult } from './flag-values.js';
import { configFileBytesMax } from './limits.js';
import type { Note } from './notes.js';

/** What a config file sets: flag values by canonical name, and notes to log. */
export interface FileSettings {
  readonly values: ReadonlyMap<string, FlagValue>;
  readonly notes: readonly Note[];
}

/** Keys of a transport-security block and the flag each stands for, client and peer. */
const securityKeys: Readonly<Record<string, readonly [client: string, peer: string]>> = {
  'cert-file': ['cert-file', 'peer-cert-file'],
  'key-file': ['key-file', 'peer-key-file'],
  'client-cert-auth': ['client-cert-auth', 'peer-client-cert-auth'],
  'trusted-ca-file': ['trusted-ca-file', 'peer-trusted-ca-file'],
  'auto-tls': ['auto-tls', 'peer-auto-tls'],
  'client-cert-file': ['client-cert-file', 'peer-client-cert-file'],
  'client-key-file': ['client-key-file', 'peer-client-key-file'],
  'allowed-hostname': ['client-cert-allowed-hostname', 'peer-cert-allowed-hostname'],
  'allowed-cn': ['', 'peer-cert-allowed-cn'],
  'skip-client-san-verification': ['', 'peer-skip-client-san-verification'],
};

const fileKeys = new Map(
  flagTable.filter((d) => d.keelOnly !== true && d.fileKey !== false).map((d) => [d.name, d]),
);

function fail(path: string, detail: string, cause?: unknown): never {
  throw new KeelError({
    code: 'CONFIG_FILE',
    message: `--config-file "${path}": ${detail}`,
    cause,
  });
}

function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** Converts one YAML value to the flag's value, or gives the reason it cannot. */
function fromYaml(def: FlagDef, value: unknown): ParseResult {
  const expect = (what: string): ParseResult => ({
    ok: false,
    reason: `expected ${what}, got ${JSON.stringify(value)}`,
  });
  switch (def.kind) {
    case 'bool':
      return typeof value === 'boolean' ? { ok: true, value } : expect('true or false');
    case 'uint':
    case 'int':
    case 'uint32':
      if (typeof value !== 'number' || !Number.isInteger(value)) return expect('an integer');
      return parseFlagValue(def, String(value));
    case 'duration':
      // etcd reads durations in its file as integer nanoseconds (Go's JSON form).
      return typeof value === 'number' && Number.isInteger(value)
        ? { ok: true, value: value / 1e6 }
        : expect('integer nanoseconds');
    case 'strings':
      if (Array.isArray(value)) {
        return { ok: true, value: value.map((v) => scalarText(v) ?? JSON.stringify(v)) };
      }
      break;
    case 'urls':
      if (typeof value !== 'string') return expect('a comma-separated string of URLs');
      break;
    case 'string':
    case 'choice':
      break;
  }
  const text = scalarText(value);
  if (text === undefined) return expect('a string');
  return parseFlagValue(def, text);
}

function readText(path: string): string {
  let text: string;
  try {
    const size = statSync(path).size;
    if (size > configFileBytesMax) fail(path, `larger than ${configFileBytesMax} bytes`);
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof KeelError) throw e;
    fail(path, `cannot be read (${(e as Error).message})`, e);
  }
  return text;
}

function readMapping(path: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = parseYaml(readText(path), { uniqueKeys: true });
  } catch (e) {
    if (e instanceof KeelError) throw e;
    fail(path, `is not valid YAML (${(e as Error).message})`, e);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) fail(path, 'must be a YAML mapping of keys');
  return doc as Record<string, unknown>;
}

interface Collector {
  readonly path: string;
  readonly values: Map<string, FlagValue>;
  readonly notes: Note[];
}

function setKey(c: Collector, entry: { key: string; def: FlagDef; value: unknown }): void {
  const { key, def, value } = entry;
  if (value === null) return;
  const converted = fromYaml(def, value);
  if (!converted.ok) fail(c.path, `key "${key}": ${converted.reason}`);
  c.values.set(def.aliasOf ?? def.name, converted.value);
}

function readSecurityBlock(c: Collector, block: string, value: unknown): void {
  if (value === null) return;
  if (typeof value !== 'object' || Array.isArray(value)) fail(c.path, `invalid ${block}`);
  const side = block.startsWith('peer') ? 1 : 0;
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const flag = securityKeys[key]?.[side] ?? '';
    const def = findFlag(flag);
    if (def === undefined) {
      c.notes.push({ level: 'warn', text: `config file: unknown key "${block}.${key}" ignored` });
      continue;
    }
    setKey(c, { key: `${block}.${key}`, def, value: v });
  }
}

/**
 * Reads etcd's YAML config file at `path` into flag values.
 *
 * @throws KeelError `CONFIG_FILE` when the file cannot be read, is larger than
 *   `configFileBytesMax`, is not a YAML mapping, or a key's value has the wrong type.
 */
export function readConfigFile(path: string): FileSettings {
  const c: Collector = { path, values: new Map(), notes: [] };
  for (const [key, value] of Object.entries(readMapping(path))) {
    if (key === 'client-transport-security' || key === 'peer-transport-security') {
      readSecurityBlock(c, key, value);
      continue;
    }
    const def = fileKeys.get(key);
    if (def === undefined) {
      c.notes.push({ level: 'warn', text: `config file: unknown key "${key}" ignored` });
      continue;
    }
    setKey(c, { key, def, value });
  }
  c.notes.push({
    level: 'info',
    text: `loaded configuration from ${path}; other command-line flags and environment variables are ignored`,
  });
  return { values: c.values, notes: c.notes };
}
