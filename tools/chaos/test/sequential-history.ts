// Histories that are linearizable by construction, for the property tests. A plan of operations
// is run one by one on a sequential model (a small etcd: one global revision counter, per-key
// values and mod revisions). Operation i takes effect at instant t_i = base + gap * i, and gets
// random invocation and completion times around it: invoke <= t_i <= complete. Operations thus
// overlap at random, and yet the order of the t_i is a linearization with the recorded outputs.
import { fc } from '@fast-check/vitest';
import type {
  ListAppendInput,
  ListAppendOutput,
  Operation,
  Outcome,
  RegisterInput,
  RegisterOutput,
} from '../src/index.js';

const baseUs = 1_000;
const gapUs = 100;

/** One planned operation: what it does, how it ends, and how far its times stretch. */
export interface Plan {
  readonly key: number;
  /** 0 read, 1 write, 2 cas on the value, 3 cas on the mod revision (append for lists: 1-3). */
  readonly kind: number;
  readonly outcome: Outcome;
  /** Whether an unknown operation took effect. */
  readonly took: boolean;
  /** Whether a cas compares against the current value or revision (else a wrong one). */
  readonly match: boolean;
  readonly beforeUs: number;
  readonly afterUs: number;
}

/** Plans of up to `opsMax` operations over 1 to 3 keys; `spreadUs` bounds the overlap. */
export function arbPlans(opts: { opsMax: number; spreadUs: number }): fc.Arbitrary<Plan[]> {
  const plan = fc.record({
    key: fc.nat(2),
    kind: fc.nat(3),
    outcome: fc.constantFrom<Outcome>('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'unknown', 'fail'),
    took: fc.boolean(),
    match: fc.boolean(),
    beforeUs: fc.nat(opts.spreadUs),
    afterUs: fc.nat(opts.spreadUs),
  });
  return fc.array(plan, { minLength: 1, maxLength: opts.opsMax });
}

/** Options of a materialized history. */
export interface Shape {
  /** Ops before this index end before it starts, are never unknown; later ones start after. */
  readonly isolate?: number;
  /** Whether outputs report mod revisions. */
  readonly revs: boolean;
}

interface Timed {
  readonly invokeUs: number;
  readonly completeUs: number;
}

/** Times around t_i; an isolated op and everything before it do not overlap anything. */
function timesOf(plans: readonly Plan[], shape: Shape): Timed[] {
  const times: Timed[] = [];
  plans.forEach((p, i) => {
    const t = baseUs + gapUs * i;
    const isolated = shape.isolate !== undefined && i <= shape.isolate;
    const before = isolated ? p.beforeUs % (gapUs / 2) : p.beforeUs;
    const after = isolated ? p.afterUs % (gapUs / 2) : p.afterUs;
    let invokeUs = t - before;
    // Operations after the isolated one start after it completes (its completion is < t_i).
    const fence = shape.isolate === undefined ? undefined : times[shape.isolate];
    if (fence !== undefined && i > (shape.isolate ?? 0)) {
      invokeUs = Math.max(invokeUs, fence.completeUs + 1);
    }
    times.push({ invokeUs, completeUs: t + after });
  });
  return times;
}

/**
 * Gives each op a process: one process runs one op at a time, and a process whose op ended
 * unknown is retired (Jepsen's rule: its client may still be running that op).
 */
function assignProcesses(times: readonly Timed[], outcomes: readonly Outcome[]): number[] {
  const order = times.map((_, i) => i).sort((a, b) => times[a]!.invokeUs - times[b]!.invokeUs);
  const busyUntil: number[] = [];
  const procOf: number[] = new Array<number>(times.length).fill(0);
  for (const i of order) {
    const t = times[i]!;
    let p = busyUntil.findIndex((until) => until < t.invokeUs);
    if (p === -1) p = busyUntil.length;
    busyUntil[p] = outcomes[i] === 'unknown' ? Infinity : t.completeUs;
    procOf[i] = p;
  }
  return procOf;
}

function outcomeOf(plans: readonly Plan[], shape: Shape, i: number): Outcome {
  const p = plans[i]!;
  const isolated = shape.isolate !== undefined && i <= shape.isolate;
  if (isolated && shape.isolate === i) return 'ok';
  return isolated && p.outcome === 'unknown' ? 'ok' : p.outcome;
}

/** Assembles operations from inputs, outputs and the planned times and outcomes. */
function assemble<TInput, TOutput>(
  plans: readonly Plan[],
  shape: Shape,
  io: readonly { input: TInput; output?: TOutput }[],
): Operation<TInput, TOutput>[] {
  const times = timesOf(plans, shape);
  const outcomes = plans.map((_, i) => outcomeOf(plans, shape, i));
  const procs = assignProcesses(times, outcomes);
  return io.map(({ input, output }, id) => {
    const outcome = outcomes[id]!;
    const t = times[id]!;
    const completeUs = outcome === 'unknown' ? Infinity : t.completeUs;
    const base = { id, process: procs[id]!, input, invokeUs: t.invokeUs, completeUs, outcome };
    return outcome === 'ok' && output !== undefined ? { ...base, output } : base;
  });
}

/** Whether op i took effect in the sequential run: ok ones did, fails did not. */
function applies(outcome: Outcome, plan: Plan): boolean {
  return outcome === 'ok' || (outcome === 'unknown' && plan.took);
}

function registerStep(
  plan: Plan,
  ctx: { state: Map<string, { value: string | null; modRev: number }>; rev: number; id: number },
): { input: RegisterInput; output: RegisterOutput; changed: boolean } {
  const key = `k${plan.key}`;
  const cur = ctx.state.get(key) ?? { value: null, modRev: 0 };
  const value = `v${ctx.id}`;
  if (plan.kind === 0) {
    return { input: { f: 'read', key }, output: { ...cur }, changed: false };
  }
  if (plan.kind === 1) {
    return { input: { f: 'write', key, value }, output: { modRev: ctx.rev + 1 }, changed: true };
  }
  const expect =
    plan.kind === 2
      ? { value: plan.match ? cur.value : `x${ctx.id}` }
      : { modRev: plan.match ? cur.modRev : cur.modRev + 1 };
  const succeeded = plan.match;
  const output = succeeded ? { succeeded, modRev: ctx.rev + 1 } : { succeeded };
  return { input: { f: 'cas', key, expect, value }, output, changed: succeeded };
}

function withoutRevs(out: RegisterOutput): RegisterOutput {
  const { modRev: _dropped, ...rest } = out;
  return rest;
}

/** Runs `plans` on the sequential register and returns the timed history. */
export function registerHistory(
  plans: readonly Plan[],
  shape: Shape,
): Operation<RegisterInput, RegisterOutput>[] {
  const state = new Map<string, { value: string | null; modRev: number }>();
  let rev = 1;
  const io = plans.map((plan, id) => {
    const step = registerStep(plan, { state, rev, id });
    if (step.changed && applies(outcomeOf(plans, shape, id), plan)) {
      rev += 1;
      const value = (step.input as { value: string }).value;
      state.set(step.input.key, { value, modRev: rev });
    }
    return { input: step.input, output: shape.revs ? step.output : withoutRevs(step.output) };
  });
  return assemble(plans, shape, io);
}

/** Runs `plans` on the sequential list-append store (kind 0 reads, others append). */
export function listAppendHistory(
  plans: readonly Plan[],
  shape: Shape,
): Operation<ListAppendInput, ListAppendOutput>[] {
  const lists = new Map<string, string[]>();
  const io = plans.map((plan, id): { input: ListAppendInput; output: ListAppendOutput } => {
    const key = `k${plan.key}`;
    const cur = lists.get(key) ?? [];
    if (plan.kind === 0) {
      const input: ListAppendInput = { f: 'read', key };
      return { input, output: { values: [...cur] } };
    }
    const value = `v${id}`;
    if (applies(outcomeOf(plans, shape, id), plan)) lists.set(key, [...cur, value]);
    const input: ListAppendInput = { f: 'append', key, value };
    return { input, output: {} };
  });
  return assemble(plans, shape, io);
}
