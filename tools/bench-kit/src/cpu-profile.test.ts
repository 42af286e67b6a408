// Goal: a profile recorded around real work names the function that burned the CPU at the top
// of the summary, with shares that add up to at most 1. Method: the inspector profiles a busy
// loop in this process (no synthetic profile).
import { describe, expect, it } from 'vitest';
import { formatCpuProfileSummary, profileCpu, summarizeCpuProfile } from './cpu-profile.js';

function burnSquareRoots(ms: number): number {
  const end = performance.now() + ms;
  let acc = 0;
  for (let i = 0; performance.now() < end; i++) acc += Math.sqrt(i) % 7;
  return acc;
}

describe('profileCpu and summarizeCpuProfile', () => {
  it('ranks the busy function first', { timeout: 30_000 }, async () => {
    const { result, profile } = await profileCpu(() => Promise.resolve(burnSquareRoots(300)));
    expect(result).toBeGreaterThan(0);
    const s = summarizeCpuProfile(profile, 5);
    expect(s.totalMs).toBeGreaterThan(100);
    expect(s.functions.length).toBeLessThanOrEqual(5);
    const top = s.functions.find((f) => f.name.startsWith('burnSquareRoots '));
    expect(top?.name).toMatch(/cpu-profile\.test\.ts$/);
    expect(top?.share).toBeGreaterThan(0.3);
    expect(s.packages.find((p) => p.name === '@keel/bench-kit')).toBeDefined();
    const sum = s.functions.reduce((a, f) => a + f.share, 0);
    expect(sum).toBeLessThanOrEqual(1.0001);
    expect(formatCpuProfileSummary('t', s)).toContain('burnSquareRoots');
  });
});
