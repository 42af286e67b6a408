// Goal: the whole `pnpm bench:etcd` pipeline works against both real servers: a --tiny run starts
// etcd 3.4 and keel (from source) as processes, measures every scenario once, prints figure lines
// with etcd as the baseline, and writes the page section and the SVG chart. Figures are not
// checked (the machine is shared); their presence, shape and the zero-loss failover are.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { FigureLine } from '@keel/bench-kit';
import { afterAll, describe, expect, it } from 'vitest';
import { sectionMarkers } from './report-page.js';

const run = promisify(execFile);
const main = fileURLToPath(new URL('./bench-etcd.ts', import.meta.url));
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('pnpm bench:etcd --tiny', () => {
  it('measures both systems and writes the figure lines, the page and the chart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bench-etcd-test-'));
    dirs.push(dir);
    const [page, chart] = [join(dir, 'benchmarks.md'), join(dir, 'chart.svg')];
    await writeFile(page, '# Benchmarks\n\nHand-written text stays.\n');
    const tsx = import.meta.resolve('tsx');
    const { stdout } = await run(
      process.execPath,
      [
        '--conditions=@keel/source',
        '--import',
        tsx,
        main,
        '--tiny',
        '--page',
        page,
        '--chart',
        chart,
      ],
      { timeout: 150_000, maxBuffer: 16 * 2 ** 20 },
    );
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as FigureLine);
    const results = lines.filter((l) => l.bench === 'bench-etcd');
    const metrics = results.map((l) => l.metric);
    for (const expected of [
      'puts/s clients=16 members=1 target=leader',
      'puts/s clients=16 members=3 target=all',
      'ranges/s range-linearizable clients=16 members=3 target=all',
      'ops/s mix-90-10 clients=16 members=3 target=all',
      'failover acknowledged writes lost members=3 clients=4',
    ]) {
      expect(metrics).toContain(expected);
    }
    expect(metrics.some((m) => m.startsWith('watch events/s'))).toBe(true);
    expect(metrics.some((m) => m.startsWith('restart ms'))).toBe(true);
    expect(metrics.some((m) => m.startsWith('RSS after 1000 keys'))).toBe(true);
    for (const l of results) {
      expect(l.baseline).toBe('etcd 3.4 (same run)');
      if (!l.metric.startsWith('failover acknowledged')) {
        expect(l.value).toBeGreaterThan(0);
        expect(l.baselineValue).toBeGreaterThan(0);
      }
    }
    const lost = results.find((l) => l.metric.startsWith('failover acknowledged'));
    expect([lost?.value, lost?.baselineValue]).toEqual([0, 0]);
    expect(lines.some((l) => l.bench === 'bench-etcd/generator' && l.unit === 'cores')).toBe(true);

    const text = await readFile(page, 'utf8');
    expect(text.startsWith('# Benchmarks\n\nHand-written text stays.\n')).toBe(true);
    expect(text).toContain(sectionMarkers.begin);
    expect(text).toMatch(/^\| puts\/s clients=16 members=1 target=leader +\| puts\/s +\|/m);
    expect(text).toContain('![Puts per second against clients](chart.svg)');
    const svg = await readFile(chart, 'utf8');
    expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg.match(/<polyline /g)?.length).toBe(6);
  }, 180_000);
});
