// Goal: the checker accepts every history a sequential model can produce, whatever the overlap of
// its operations and however many outcomes are unknown or failed, and rejects a history as soon
// as one read whose value is forced (no operation overlaps it and none before it is unknown) is
// changed. Method: fast-check plans run on the sequential register and list models of
// test/sequential-history.ts, with bounded runs and sizes so the file stays fast.
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import {
  arbPlans,
  listAppendHistory,
  registerHistory,
  type Plan,
} from '../test/sequential-history.js';
import { checkLinearizable, listAppendModel, registerModel } from './index.js';
import type { Operation, RegisterInput, RegisterOutput } from './index.js';

const overlapping = arbPlans({ opsMax: 30, spreadUs: 350 });

/** Plans with an isolated read at a chosen index, and a choice for the corrupted value. */
const withIsolatedRead = fc
  .tuple(arbPlans({ opsMax: 25, spreadUs: 250 }), fc.nat(), fc.nat(), fc.boolean())
  .map(([plans, at, pick, revs]) => {
    const isolate = at % plans.length;
    const forced: Plan[] = plans.map((p, i) => (i === isolate ? { ...p, kind: 0 } : p));
    return { plans: forced, isolate, pick, revs };
  });

function corruptRegisterRead(
  ops: readonly Operation<RegisterInput, RegisterOutput>[],
  at: number,
  pick: number,
): Operation<RegisterInput, RegisterOutput>[] {
  const target = ops[at]!;
  const truth = target.output !== undefined && 'value' in target.output ? target.output.value : 0;
  const written = ops.flatMap((op) => (op.input.f === 'read' ? [] : [op.input.value]));
  const candidates = [...new Set<string | null>([...written, null, 'never-written'])].filter(
    (v) => v !== truth,
  );
  const value = candidates[pick % candidates.length]!;
  const output = { ...target.output, value };
  return ops.map((op, i) => (i === at ? { ...op, output } : op));
}

describe('checkLinearizable on histories of a sequential model', () => {
  test.prop([overlapping, fc.boolean()], { numRuns: 300 })(
    'accepts every register history, overlapping, unknown and failed ops included',
    (plans, revs) => {
      const ops = registerHistory(plans, { revs });
      const result = checkLinearizable(registerModel(), ops);
      expect(result.verdict).toBe('ok');
    },
  );

  test.prop([overlapping], { numRuns: 300 })('accepts every list-append history', (plans) => {
    const ops = listAppendHistory(plans, { revs: false });
    expect(checkLinearizable(listAppendModel(), ops).verdict).toBe('ok');
  });

  test.prop([withIsolatedRead], { numRuns: 300 })(
    'rejects a register history once a forced read returns another value',
    ({ plans, isolate, pick, revs }) => {
      const ops = registerHistory(plans, { isolate, revs });
      expect(checkLinearizable(registerModel(), ops).verdict).toBe('ok');
      const bad = corruptRegisterRead(ops, isolate, pick);
      const result = checkLinearizable(registerModel(), bad);
      expect(result.verdict).toBe('violation');
      const key = result.keys.find((k) => k.verdict === 'violation');
      expect(key?.key).toBe(ops[isolate]!.input.key);
    },
  );

  test.prop([withIsolatedRead, fc.nat(3)], { numRuns: 300 })(
    'rejects a list-append history once a forced read is changed',
    ({ plans, isolate, pick }, how) => {
      const ops = listAppendHistory(plans, { isolate, revs: false });
      expect(checkLinearizable(listAppendModel(), ops).verdict).toBe('ok');
      const target = ops[isolate]!;
      const seen = [...(target.output?.values ?? [])];
      const other = ops.find((op) => op.input.f === 'append' && !seen.includes(op.input.value));
      const changed: string[][] = [
        seen.slice(0, -1),
        [...seen, other?.input.f === 'append' ? other.input.value : 'never-appended'],
        seen.length >= 2 ? [seen[1]!, seen[0]!, ...seen.slice(2)] : [...seen, 'phantom'],
        seen.length >= 1 ? [...seen, seen[pick % seen.length]!] : ['phantom'],
      ].filter((l) => JSON.stringify(l) !== JSON.stringify(seen));
      const values = changed[how % changed.length]!;
      const bad = ops.map((op, i) => (i === isolate ? { ...op, output: { values } } : op));
      expect(checkLinearizable(listAppendModel(), bad).verdict).toBe('violation');
    },
  );

  test.prop([arbPlans({ opsMax: 14, spreadUs: 400 }), fc.nat(), fc.nat(4)], { numRuns: 300 })(
    'the list-append decision procedure and the search agree, on good and corrupted histories',
    (plans, pick, how) => {
      const ops = listAppendHistory(plans, { revs: false });
      const reads = ops.filter((op) => op.input.f === 'read' && op.outcome === 'ok');
      const target = reads.length === 0 ? undefined : reads[pick % reads.length];
      const seen = [...(target?.output?.values ?? [])];
      const appended = ops.flatMap((op) => (op.input.f === 'append' ? [op.input.value] : []));
      const other = appended[pick % Math.max(appended.length, 1)] ?? 'phantom';
      const variants = [seen, seen.slice(1), [...seen, other], [other, ...seen], seen.reverse()];
      const values = variants[how % variants.length]!;
      const mixed = ops.map((op) => (op === target ? { ...op, output: { values } } : op));
      const auto = checkLinearizable(listAppendModel(), mixed);
      const searched = checkLinearizable(listAppendModel(), mixed, { method: 'search' });
      expect(searched.verdict).not.toBe('unknown');
      expect(auto.verdict).toBe(searched.verdict);
    },
  );

  test.prop([overlapping, fc.nat()], { numRuns: 200 })(
    'rejects any history once a read returns a value nobody wrote',
    (plans, pick) => {
      const ops = registerHistory(plans, { revs: false });
      const reads = ops.filter((op) => op.input.f === 'read' && op.outcome === 'ok');
      fc.pre(reads.length > 0);
      const target = reads[pick % reads.length]!;
      const output = { value: 'never-written' };
      const bad = ops.map((op) => (op.id === target.id ? { ...op, output } : op));
      expect(checkLinearizable(registerModel(), bad).verdict).toBe('violation');
    },
  );
});
