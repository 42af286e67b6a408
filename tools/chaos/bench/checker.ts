// How long the linearizability checker takes on one key, for histories a sequential model made
// (so every verdict must be `ok`): registers through the search, list append through its decision
// procedure and, for contrast, through the search with a small budget. Run with
// `pnpm --filter @keel/chaos bench`; BENCH_OPS=20000 for a longer history.
import { performance } from 'node:perf_hooks';
import { checkLinearizable, listAppendModel, registerModel } from '../src/index.js';
import { listAppendHistory, registerHistory, type Plan } from '../test/sequential-history.js';

const opsCount = Number(process.env['BENCH_OPS'] ?? 5_000);
const seed = Number(process.env['BENCH_SEED'] ?? 42);

// A small seeded generator (an LCG) is enough for workload shapes; results name the seed.
let state = seed >>> 0;
const next = (): number => {
  state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
  return state / 0x100000000;
};
const prng = {
  nextInt: (max: number): number => Math.floor(next() * max),
  chance: (p: number): boolean => next() < p,
};

function plans(count: number): Plan[] {
  return Array.from({ length: count }, () => ({
    key: 0,
    kind: prng.nextInt(4),
    outcome: prng.chance(0.02) ? 'unknown' : prng.chance(0.05) ? 'fail' : 'ok',
    took: prng.chance(0.5),
    match: prng.chance(0.5),
    beforeUs: prng.nextInt(350),
    afterUs: prng.nextInt(350),
  }));
}

function time(label: string, run: () => { verdict: string; steps: number }): void {
  const t0 = performance.now();
  const { verdict, steps } = run();
  const ms = performance.now() - t0;
  console.log(
    `${label.padEnd(44)} ${verdict.padEnd(8)} ${String(steps).padStart(9)} steps ${ms.toFixed(0).padStart(7)} ms`,
  );
}

const planned = plans(opsCount);
const reg = registerHistory(planned, { revs: true });
const list = listAppendHistory(planned, { revs: false });
const one = (r: ReturnType<typeof checkLinearizable>) => ({
  verdict: r.verdict,
  steps: r.keys[0]?.steps ?? 0,
});
console.log(`one key, ${opsCount} operations, seed ${seed}`);
time('register, search', () => one(checkLinearizable(registerModel(), reg)));
time('list append, decision procedure', () => one(checkLinearizable(listAppendModel(), list)));
time('list append, search (budget 200,000 steps)', () =>
  one(checkLinearizable(listAppendModel(), list, { method: 'search', stepsMax: 200_000 })),
);
