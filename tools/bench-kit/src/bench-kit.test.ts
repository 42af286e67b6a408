// Goal: the figure line carries the ratio against its baseline, percentiles are nearest-rank,
// and the closed loop honours its op budget and counts errors without stopping.
import { describe, expect, it } from 'vitest';
import { runClosedLoop } from './closed-loop.js';
import { toFigureLine } from './figure.js';
import { median, summarize } from './stats.js';

describe('toFigureLine', () => {
  it('computes the ratio against the baseline and rounds to 4 digits', () => {
    const line = toFigureLine({
      bench: 'raft-wal/append',
      metric: 'entries/s batch=64',
      value: 123456.789,
      unit: 'entries/s',
      baseline: 'raw lmdb',
      baselineValue: 150000,
    });
    expect(line).toMatchInlineSnapshot(`
      {
        "baseline": "raw lmdb",
        "baselineValue": 150000,
        "bench": "raft-wal/append",
        "metric": "entries/s batch=64",
        "ratio": 0.823,
        "unit": "entries/s",
        "value": 123500,
      }
    `);
    expect(toFigureLine({ ...line, baselineValue: 0 }).ratio).toBe(0);
  });

  it('inverts the ratio when lower is better, so above 1 still means better', () => {
    const latency = { bench: 'x', metric: 'p99', unit: 'us', baseline: 'etcd' } as const;
    expect(
      toFigureLine({ ...latency, value: 500, baselineValue: 1000, better: 'lower' }).ratio,
    ).toBe(2);
    expect(toFigureLine({ ...latency, value: 0, baselineValue: 3, better: 'lower' }).ratio).toBe(0);
  });
});

describe('summarize', () => {
  it('gives nearest-rank percentiles without sorting the input in place', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i);
    const s = summarize(samples);
    expect([s.count, s.p50, s.p99, s.max, s.mean]).toEqual([100, 50, 99, 100, 50.5]);
    expect(samples[0]).toBe(100);
    expect(median([3, 1, 2])).toBe(2);
    expect(summarize([]).p99).toBe(0);
  });
});

describe('runClosedLoop', () => {
  it('stops at the op budget and counts rejected operations as errors', async () => {
    const result = await runClosedLoop({ concurrency: 4, durationMs: 10_000, opsMax: 50 }, (i) =>
      i % 10 === 0 ? Promise.reject(new Error(`op ${i}`)) : Promise.resolve(),
    );
    expect(result.ops + result.errors).toBe(50);
    expect(result.errors).toBe(5);
    expect(result.latencyUs.count).toBe(45);
    expect(result.firstError).toBeInstanceOf(Error);
  });
});
