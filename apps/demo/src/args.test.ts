// Goal: the demo's flags parse to etcd-article defaults and bad flags say what to do.
import { describe, expect, it } from 'vitest';
import { DemoArgsError, parseDemoArgs } from './args.js';

describe('parseDemoArgs', () => {
  it('defaults to one member and a 5 s interval', () => {
    expect(parseDemoArgs([])).toEqual({
      intervalMs: 5000,
      members: 1,
      chaosMs: 0,
      rounds: 0,
      durationMs: 0,
    });
  });

  it('reads every flag', () => {
    const argv = ['--interval', '0.5', '--members', '3', '--chaos', '10', '--rounds', '4'];
    expect(parseDemoArgs([...argv, '--duration=30'])).toEqual({
      intervalMs: 500,
      members: 3,
      chaosMs: 10000,
      rounds: 4,
      durationMs: 30_000,
    });
  });

  it('takes --chaos alone as every 10 seconds, at the end or before another flag', () => {
    expect(parseDemoArgs(['--members', '3', '--chaos']).chaosMs).toBe(10_000);
    expect(parseDemoArgs(['--chaos', '--members', '3']).chaosMs).toBe(10_000);
    expect(parseDemoArgs(['--members', '3', '--chaos=4']).chaosMs).toBe(4000);
  });

  it('refuses unknown flags, bad values and chaos on one member', () => {
    expect(() => parseDemoArgs(['--nope'])).toThrow(DemoArgsError);
    expect(() => parseDemoArgs(['--interval', 'soon'])).toThrow(/--interval takes a number/);
    expect(() => parseDemoArgs(['--duration='])).toThrow(/--duration takes a number/);
    expect(() => parseDemoArgs(['--members', '2'])).toThrow(/1 or 3/);
    expect(() => parseDemoArgs(['--chaos', '5'])).toThrow(/needs --members 3/);
  });
});
