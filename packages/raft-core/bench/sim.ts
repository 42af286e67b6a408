// `pnpm sim`: runs the seeded cluster simulator over a range of seeds. The simulator itself is
// pure (src/testing/sim); this file is its command line: it reads the environment, shows
// progress, and exits non-zero with a one-line replay command on the first violation.
//
//   SIM_SEED=<n>                 one seed (prints its options)
//   SIM_SEEDS=<count>            seeds 1..count (default 200)
//   SIM_SEEDS=<first>..<last>    an inclusive range
//   SIM_STEPS=<n>                steps of the safety phase per seed (default 2000)
import { runSeed } from '../src/testing/sim/index.js';
import type { SimRunResult } from '../src/testing/sim/index.js';

const defaultSeedCount = 200;
const defaultSteps = 2000;

function parseUint(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer`);
  return n;
}

function seedRange(env: NodeJS.ProcessEnv): { first: number; last: number } {
  const one = env['SIM_SEED'];
  if (one !== undefined && one !== '') {
    const seed = parseUint('SIM_SEED', one);
    return { first: seed, last: seed };
  }
  const seeds = env['SIM_SEEDS'] ?? String(defaultSeedCount);
  const range = /^(\d+)\.\.(\d+)$/.exec(seeds);
  if (range !== null) {
    const first = parseUint('SIM_SEEDS', range[1] ?? '');
    const last = parseUint('SIM_SEEDS', range[2] ?? '');
    if (last < first) throw new Error('SIM_SEEDS range must be first..last with first <= last');
    return { first, last };
  }
  const count = parseUint('SIM_SEEDS', seeds);
  if (count === 0) throw new Error('SIM_SEEDS must be at least 1');
  return { first: 1, last: count };
}

function replayLine(seed: number, steps: number): string {
  const stepsPart = steps === defaultSteps ? '' : ` SIM_STEPS=${steps}`;
  return `SIM_SEED=${seed}${stepsPart} pnpm sim`;
}

interface Totals {
  seeds: number;
  leaders: number;
  committed: number;
  crashes: number;
  confChanges: number;
  readsAnswered: number;
  livenessTicksMax: number;
}

function add(t: Totals, r: SimRunResult): void {
  t.seeds++;
  t.leaders += r.stats.leaders;
  t.committed += r.stats.committedIndex;
  t.crashes += r.stats.crashes;
  t.confChanges += r.stats.confChanges;
  t.readsAnswered += r.stats.readsAnswered;
  t.livenessTicksMax = Math.max(t.livenessTicksMax, r.stats.livenessTicks);
}

function main(): number {
  const { first, last } = seedRange(process.env);
  const steps = parseUint('SIM_STEPS', process.env['SIM_STEPS'] ?? String(defaultSteps));
  const total = last - first + 1;
  const verbose = total <= 20;
  const startedMs = performance.now();
  const totals: Totals = {
    seeds: 0,
    leaders: 0,
    committed: 0,
    crashes: 0,
    confChanges: 0,
    readsAnswered: 0,
    livenessTicksMax: 0,
  };
  if (!verbose) console.log(`SEEDS=${first}..${last} STEPS=${steps}`);
  let lastProgressMs = startedMs;
  for (let seed = first; seed <= last; seed++) {
    const r = runSeed(seed, { steps });
    if (verbose || r.violation !== undefined) console.log(`SEED=${seed} ${r.optionsLine}`);
    if (r.violation !== undefined) {
      const v = r.violation;
      console.log(`VIOLATION ${v.checker} in the ${v.phase} phase at step ${v.step}: ${v.message}`);
      console.log(replayLine(seed, steps));
      return 1;
    }
    add(totals, r);
    if (verbose) console.log(`  ok: ${JSON.stringify(r.stats)}`);
    const nowMs = performance.now();
    if (!verbose && nowMs - lastProgressMs > 2000) {
      lastProgressMs = nowMs;
      const rate = totals.seeds / ((nowMs - startedMs) / 1000);
      const left = (total - totals.seeds) / rate;
      process.stderr.write(
        `  ${totals.seeds}/${total} seeds, ${rate.toFixed(1)} seeds/s, ~${left.toFixed(0)} s left\n`,
      );
    }
  }
  const seconds = (performance.now() - startedMs) / 1000;
  console.log(
    `PASS ${totals.seeds} seeds x ${steps} steps in ${seconds.toFixed(1)} s: ` +
      `${totals.leaders} leaders, ${totals.committed} entries committed, ${totals.crashes} crashes, ` +
      `${totals.confChanges} conf changes, ${totals.readsAnswered} reads answered, ` +
      `liveness within ${totals.livenessTicksMax} ticks`,
  );
  return 0;
}

process.exitCode = main();
