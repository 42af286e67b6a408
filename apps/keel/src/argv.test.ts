// Goal: the scanner reads both of etcd's command-line dialects as Go's flag package and pflag do,
// and fails with their messages. Method: scan real argv arrays against the real flag table.
import { describe, expect, it } from 'vitest';
import { scanArgs } from './argv.js';
import type { ArgvDialect } from './argv.js';
import { isKeelError } from './errors.js';
import { findFlag } from './flag-table.js';
import { argvWordsMax } from './limits.js';

function scan(argv: readonly string[], dialect: ArgvDialect = 'go-flag') {
  const r = scanArgs(argv, { dialect, lookup: findFlag });
  return { values: Object.fromEntries(r.values), positional: r.positional, help: r.help };
}

function failure(argv: readonly string[], dialect: ArgvDialect = 'go-flag'): string {
  try {
    scanArgs(argv, { dialect, lookup: findFlag });
  } catch (e) {
    if (isKeelError(e)) return `${e.code}: ${e.message}`;
    throw e;
  }
  return 'no error';
}

describe('scanArgs (go-flag)', () => {
  it('takes --flag=value, --flag value, -flag value and -flag=value alike', () => {
    const r = scan(['--name=a', '--data-dir', '/d', '-wal-dir', '/w', '-initial-cluster-token=t']);
    expect(r.values).toEqual({
      name: 'a',
      'data-dir': '/d',
      'wal-dir': '/w',
      'initial-cluster-token': 't',
    });
    expect(r.positional).toEqual([]);
  });

  it("takes a boolean as --flag or --flag=value, and leaves 'false' after it as a word", () => {
    expect(scan(['--pre-vote']).values).toEqual({ 'pre-vote': true });
    expect(scan(['--pre-vote=false', '--strict-reconfig-check=0']).values).toEqual({
      'pre-vote': false,
      'strict-reconfig-check': false,
    });
    const r = scan(['--pre-vote', 'false', '--name', 'x']);
    expect(r.values).toEqual({ 'pre-vote': true });
    expect(r.positional).toEqual(['false', '--name', 'x']);
  });

  it('stops at the first word that is not a flag, and after --', () => {
    expect(scan(['--name', 'a', 'extra', '--pre-vote']).positional).toEqual([
      'extra',
      '--pre-vote',
    ]);
    expect(scan(['--name', 'a', '--', '--pre-vote']).positional).toEqual(['--pre-vote']);
    expect(scan(['-']).positional).toEqual(['-']);
  });

  it('gives a non-boolean flag the next word even when it starts with a dash', () => {
    expect(scan(['--name', '--pre-vote']).values).toEqual({ name: '--pre-vote' });
  });

  it('keeps the last of a repeated flag, and files a deprecated spelling under its flag', () => {
    expect(scan(['--name=a', '--name=b']).values).toEqual({ name: 'b' });
    expect(scan(['--experimental-max-learners=3']).values).toEqual({ 'max-learners': 3 });
    expect(scan(['--max-learners=2', '--experimental-max-learners=4']).values).toEqual({
      'max-learners': 4,
    });
  });

  it('stops at -h, -help or --help and reports help', () => {
    for (const h of ['-h', '--h', '-help', '--help', '--help=false']) {
      const r = scan(['--name=a', h, '--no-such-flag']);
      expect(r.help).toBe(true);
      expect(r.values).toEqual({ name: 'a' });
    }
  });

  it("fails as Go's flag package does", () => {
    expect(failure(['--no-such'])).toBe('UNKNOWN_FLAG: flag provided but not defined: -no-such');
    expect(failure(['---name'])).toBe('UNKNOWN_FLAG: bad flag syntax: ---name');
    expect(failure(['-=x'])).toBe('UNKNOWN_FLAG: bad flag syntax: -=x');
    expect(failure(['--name'])).toBe('BAD_FLAG_VALUE: flag needs an argument: -name');
    expect(failure(['--heartbeat-interval=abc'])).toBe(
      'BAD_FLAG_VALUE: invalid value "abc" for flag -heartbeat-interval: parse error',
    );
    expect(failure(['--pre-vote=yes'])).toBe(
      'BAD_FLAG_VALUE: invalid boolean value "yes" for -pre-vote: parse error',
    );
    expect(failure(['--initial-cluster-state', 'old'])).toBe(
      'BAD_FLAG_VALUE: invalid value "old" for flag -initial-cluster-state: valid values are "new", "existing"',
    );
    expect(failure(['--listen-client-urls', 'localhost:2379'])).toBe(
      'BAD_FLAG_VALUE: invalid value "localhost:2379" for flag -listen-client-urls: URL scheme must be http, https, unix, or unixs: localhost:2379',
    );
  });

  it(`refuses more than ${argvWordsMax} words`, () => {
    const words = Array.from({ length: argvWordsMax + 1 }, () => '--pre-vote');
    expect(failure(words)).toBe(`UNKNOWN_FLAG: more than ${argvWordsMax} command-line words`);
    expect(scan(words.slice(1)).values).toEqual({ 'pre-vote': true });
  });
});

describe('scanArgs (pflag)', () => {
  it('mixes words and flags, and ends flags at --', () => {
    const r = scan(['snap.db', '--name', 'a', 'more', '--pre-vote', '--', '--x'], 'pflag');
    expect(r.values).toEqual({ name: 'a', 'pre-vote': true });
    expect(r.positional).toEqual(['snap.db', 'more', '--x']);
  });

  it('reports help for --help and -h', () => {
    expect(scan(['--help'], 'pflag').help).toBe(true);
    expect(scan(['-h'], 'pflag').help).toBe(true);
  });

  it('fails as pflag does', () => {
    expect(failure(['--no-such'], 'pflag')).toBe('UNKNOWN_FLAG: unknown flag: --no-such');
    expect(failure(['-name', 'a'], 'pflag')).toBe(
      "UNKNOWN_FLAG: unknown shorthand flag: 'n' in -name",
    );
    expect(failure(['--name'], 'pflag')).toBe('BAD_FLAG_VALUE: flag needs an argument: --name');
    expect(failure(['--snapshot-count=x'], 'pflag')).toBe(
      'BAD_FLAG_VALUE: invalid argument "x" for "--snapshot-count" flag: parse error',
    );
  });
});
