import { checkLinearizable, registerModel, listAppendModel } from './src/index.ts';
import { registerHistory, listAppendHistory, type Plan } from './test/sequential-history.ts';
let seed = 42;
const rnd = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x80000000; };
function plans(n: number, spread: number, unknownP: number): Plan[] {
  return Array.from({ length: n }, () => ({
    key: 0, kind: Math.floor(rnd() * 4),
    outcome: rnd() < unknownP ? 'unknown' : rnd() < 0.05 ? 'fail' : 'ok',
    took: rnd() < 0.5, match: rnd() < 0.5,
    beforeUs: Math.floor(rnd() * spread), afterUs: Math.floor(rnd() * spread),
  }));
}
for (const [n, spread, unk, revs] of [[1000, 350, 0.02, true], [5000, 350, 0.02, true], [5000, 350, 0.02, false], [20000, 350, 0.01, true], [2000, 800, 0.02, false]] as const) {
  const ps = plans(n, spread, unk);
  for (const [name, ops, model] of [['register', registerHistory(ps, { revs }), registerModel()], ['append', listAppendHistory(ps, { revs }), listAppendModel()]] as const) {
    const t0 = performance.now();
    const res = checkLinearizable(model as never, ops as never);
    const ms = performance.now() - t0;
    console.log(`${name} n=${n} spread=${spread} unknown=${unk} revs=${revs}: ${res.verdict} steps=${res.keys[0]?.steps} ${ms.toFixed(0)}ms`);
  }
}
