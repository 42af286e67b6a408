// `pnpm bench:etcd`: keel against etcd 3.4, side by side, in one run. Prints the figures as JSON
// lines on stdout (progress on stderr) and regenerates docs/benchmarks.md's side-by-side section
// and its chart from them.
//   --quick            one repetition, fewer points, short runs (development)
//   --tiny             a few seconds per system (the pipeline's own test)
//   --page FILE        the page to update (default docs/benchmarks.md)
//   --chart FILE       the SVG chart to write (default docs/bench-etcd.svg)
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeMachine } from './machine.js';
import { LoadGenerator, machineCores } from './load-generator.js';
import { limits } from './limits.js';
import { stopCluster, type Cluster } from './cluster.js';
import { Recorder, toFigureLines } from './observations.js';
import { renderSection, replaceSection, throughputChart } from './report-page.js';
import { measureRestarts } from './restart.js';
import { planFor, type RunPlan } from './run-plan.js';
import { measureOneMember, measureThreeMembers, type ScenarioContext } from './scenarios.js';
import { renderLineChart } from './svg-chart.js';
import type { SystemName } from './member-process.js';

function argValue(args: readonly string[], flag: string, fallback: string): string {
  const i = args.indexOf(flag);
  const value = i === -1 ? undefined : args[i + 1];
  if (i !== -1 && value === undefined) throw new Error(`${flag} needs a file name`);
  return value ?? fallback;
}

/** Every scenario, the systems alternating, `plan.repetitions` times; then the restarts. */
async function measureAll(ctx: ScenarioContext): Promise<void> {
  for (let rep = 0; rep < ctx.plan.repetitions; rep++) {
    const order: SystemName[] = rep % 2 === 0 ? ['etcd', 'keel'] : ['keel', 'etcd'];
    for (const system of order) {
      process.stderr.write(
        `bench-etcd: repetition ${rep + 1}/${ctx.plan.repetitions}: ${system}\n`,
      );
      await measureOneMember(ctx, system);
      await measureThreeMembers(ctx, system);
    }
  }
  await measureRestarts(ctx);
}

async function writeReport(
  out: { page: string; chart: string },
  run: { recorder: Recorder; plan: RunPlan; dataRoot: string; startedAt: number },
): Promise<void> {
  const lines = toFigureLines(run.recorder.observations, machineCores);
  for (const line of lines) process.stdout.write(`${JSON.stringify(line)}\n`);
  await writeFile(out.chart, renderLineChart(throughputChart(lines)));
  const section = renderSection({
    lines,
    machine: describeMachine(run.dataRoot),
    plan: run.plan,
    notes: run.recorder.notes,
    chartFile: relative(dirname(out.page), out.chart),
    runMinutes: (performance.now() - run.startedAt) / 60_000,
    date: new Date().toISOString().slice(0, 10),
  });
  await writeFile(out.page, replaceSection(await readFile(out.page, 'utf8'), section));
  process.stderr.write(`bench-etcd: wrote ${out.page} and ${out.chart}\n`);
}

async function main(args: readonly string[]): Promise<void> {
  const startedAt = performance.now();
  const plan = planFor(args);
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const out = {
    page: argValue(args, '--page', join(root, 'docs/benchmarks.md')),
    chart: argValue(args, '--chart', join(root, 'docs/bench-etcd.svg')),
  };
  const dataRoot = await mkdtemp(join(tmpdir(), 'bench-etcd-'));
  const recorder = new Recorder();
  const generator = new LoadGenerator(limits.generatorWorkers);
  const running = new Set<Cluster>();
  try {
    await measureAll({ plan, generator, dataRoot, recorder, running });
    await writeReport(out, { recorder, plan, dataRoot, startedAt });
  } finally {
    for (const c of running) await stopCluster(c);
    await generator.close();
    await rm(dataRoot, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(
    `bench-etcd: failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
  );
  process.exitCode = 1;
});
