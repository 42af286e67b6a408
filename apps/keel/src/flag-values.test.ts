// Goal: flag text parses as Go's flag package and etcd's flag types parse it, and is refused with
// their reasons. Method: table-driven cases per kind against the real parser.
import { describe, expect, it } from 'vitest';
import type { FlagDef, FlagKind } from './flag-table.js';
import {
  canonicalValue,
  parseFlagValue,
  parseGoBool,
  parseGoDuration,
  parseUrlList,
} from './flag-values.js';
import { urlsPerFlagMax } from './limits.js';

function def(kind: FlagKind, choices?: readonly string[]): FlagDef {
  return {
    name: 'x',
    kind,
    defaultText: '',
    section: 'Member',
    help: '',
    effect: 'keel',
    ...(choices === undefined ? {} : { choices }),
  };
}

function value(kind: FlagKind, text: string): unknown {
  const r = parseFlagValue(def(kind), text);
  return r.ok ? r.value : `error: ${r.reason}`;
}

describe('parseGoBool', () => {
  it("takes exactly Go's spellings", () => {
    for (const t of ['1', 't', 'T', 'TRUE', 'true', 'True']) expect(parseGoBool(t)).toBe(true);
    for (const f of ['0', 'f', 'F', 'FALSE', 'false', 'False']) expect(parseGoBool(f)).toBe(false);
    for (const bad of ['yes', 'no', 'tRUE', '', ' true', 'on']) {
      expect(parseGoBool(bad)).toBeUndefined();
    }
  });
});

describe('parseFlagValue integers', () => {
  it("reads Go's base-0 forms", () => {
    expect(value('uint', '100')).toBe(100);
    expect(value('uint', '0x1F')).toBe(31);
    expect(value('uint', '0b101')).toBe(5);
    expect(value('uint', '0o17')).toBe(15);
    expect(value('uint', '010')).toBe(8);
    expect(value('uint', '1_000')).toBe(1000);
    expect(value('uint', '0x_1F')).toBe(31);
    expect(value('uint', '0')).toBe(0);
    expect(value('int', '-5')).toBe(-5);
    expect(value('int', '+5')).toBe(5);
  });

  it('refuses what Go refuses, with "parse error"', () => {
    for (const bad of ['', 'abc', '1.5', '1e3', '_1', '1__0', '1_', '08', '0x', ' 1', '-1', '+1']) {
      expect(value('uint', bad)).toBe('error: parse error');
    }
    expect(value('int', '--1')).toBe('error: parse error');
  });

  it('refuses values outside the Go type, and beyond what a JavaScript number holds', () => {
    expect(value('uint32', '4294967295')).toBe(4294967295);
    expect(value('uint32', '4294967296')).toBe('error: value out of range');
    expect(value('uint', '18446744073709551616')).toBe('error: value out of range');
    expect(value('int', '9223372036854775808')).toBe('error: value out of range');
    expect(value('uint', '9007199254740991')).toBe(Number.MAX_SAFE_INTEGER);
    expect(value('uint', '9007199254740992')).toBe(
      'error: value out of range (keel takes at most 2^53-1)',
    );
  });
});

describe('parseGoDuration', () => {
  it("reads Go's duration syntax in milliseconds", () => {
    expect(parseGoDuration('0')).toBe(0);
    expect(parseGoDuration('5s')).toBe(5000);
    expect(parseGoDuration('1h30m')).toBe(5_400_000);
    expect(parseGoDuration('2h0m0s')).toBe(7_200_000);
    expect(parseGoDuration('250ms')).toBe(250);
    expect(parseGoDuration('1.5s')).toBe(1500);
    expect(parseGoDuration('-2m')).toBe(-120_000);
    expect(parseGoDuration('1000us')).toBe(1);
    expect(parseGoDuration('1000000ns')).toBe(1);
  });

  it('refuses numbers without units and unknown units', () => {
    for (const bad of ['', '5', '5d', 's', '1h 30m', 'abc']) {
      expect(parseGoDuration(bad)).toBeUndefined();
    }
    expect(value('duration', '5')).toBe('error: parse error');
  });
});

describe('parseUrlList', () => {
  it('splits on commas, trims, drops duplicates, and reads "" as no URLs', () => {
    expect(parseUrlList('http://a:1, https://b:2,http://a:1')).toEqual({
      ok: true,
      value: ['http://a:1', 'https://b:2'],
    });
    expect(parseUrlList('')).toEqual({ ok: true, value: [] });
  });

  it("refuses what etcd's types.NewURLs refuses, naming the URL", () => {
    expect(parseUrlList('ftp://a:1')).toEqual({
      ok: false,
      reason: 'URL scheme must be http, https, unix, or unixs: ftp://a:1',
    });
    expect(parseUrlList('http://a')).toEqual({
      ok: false,
      reason: 'URL address does not have the form "host:port": http://a',
    });
    expect(parseUrlList('http://a:1/x')).toEqual({
      ok: false,
      reason: 'URL must not contain a path: http://a:1/x',
    });
    expect(parseUrlList('http://a:1/')).toEqual({
      ok: false,
      reason: 'URL must not contain a path: http://a:1/',
    });
    expect(parseUrlList('not a url')).toEqual({
      ok: false,
      reason: 'parse "not a url": invalid URL',
    });
  });

  it(`refuses more than ${urlsPerFlagMax} URLs`, () => {
    const many = Array.from({ length: urlsPerFlagMax + 1 }, (_, i) => `http://a:${i + 1}`);
    expect(parseUrlList(many.join(','))).toEqual({
      ok: false,
      reason: `more than ${urlsPerFlagMax} URLs`,
    });
    expect(parseUrlList(many.slice(1).join(',')).ok).toBe(true);
  });
});

describe('parseFlagValue other kinds', () => {
  it('takes strings as they are, lists split on commas, choices from their set', () => {
    expect(value('string', ' a=b ')).toBe(' a=b ');
    expect(value('strings', 'stderr,stdout,stderr')).toEqual(['stderr', 'stdout']);
    expect(value('strings', '')).toEqual([]);
    const choice = def('choice', ['new', 'existing']);
    expect(parseFlagValue(choice, 'existing')).toEqual({ ok: true, value: 'existing' });
    expect(parseFlagValue(choice, 'old')).toEqual({
      ok: false,
      reason: 'valid values are "new", "existing"',
    });
    expect(value('bool', 'maybe')).toBe('error: parse error');
  });

  it('writes values as comparable text', () => {
    expect(canonicalValue(['a', 'b'])).toBe('a,b');
    expect(canonicalValue(false)).toBe('false');
    expect(canonicalValue(5000)).toBe('5000');
    expect(canonicalValue('x')).toBe('x');
  });
});
