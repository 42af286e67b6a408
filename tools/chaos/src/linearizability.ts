// The linearizability checker: Wing & Gong's search with Lowe's memoization, the way the
// porcupine and knossos checkers do it, one key at a time.
//
// A history is linearizable when every operation can be given one instant between its
// invocation and its completion, such that running the operations one by one in that order on
// the sequential model gives the outputs the clients saw. Linearizability is compositional
// (Herlihy & Wing's locality): a history over many keys is linearizable iff its restriction to
// each key is, so each key is searched alone and small searches replace one huge one.
//
// The search walks a doubly linked list of call and return events sorted by time:
//
//   head -> call(a) -> call(b) -> ret(a) -> call(c) -> ret(b) -> ret(c)
//
// At a call it tries to linearize that operation next: if the model accepts it, the call and its
// return are unlinked ("lifted"), the step is pushed on a stack, and the walk restarts at the
// head. Reaching a return means its operation should already have been linearized: the last step
// is popped, relinked, and the walk goes on after it. A memo of (linearized set, model state)
// pairs already explored prunes repeated work (Lowe, "Testing for linearizability", 2017).
//
// Unknown outcomes have a call and no return: they may be linearized anywhere after their call,
// or never. So the search succeeds as soon as no return is left in the list: every ok operation
// is linearized, and the unknown ones still in the list simply never took effect.
import { assert } from './assert.js';
import { Bitset, zobrist, type BitsetSnapshot } from './bitset.js';
import { ChaosError } from './errors.js';
import { validateHistory, type Operation } from './history.js';
import { opsPerKeyMax, searchStepsDefault, searchStepsMax } from './limits.js';

/**
 * A sequential specification of one key, plus how to partition a history by key.
 * `step` is a pure function: it never mutates `state`.
 */
export interface Model<TState, TInput, TOutput> {
  readonly name: string;
  /** The state of a key no operation has touched. */
  init(): TState;
  /** The key an operation belongs to. */
  partition(input: TInput): string;
  /** True when the operation cannot change state (an unknown-outcome read can be dropped). */
  isReadOnly(input: TInput): boolean;
  /**
   * The state after applying `input` to `state` when it returned `output`, or `undefined` when
   * the model could not have returned that. `output` is `undefined` for unknown outcomes: the
   * step then assumes the operation took effect (not taking effect is never linearizing it).
   */
  step(state: TState, input: TInput, output: TOutput | undefined): TState | undefined;
  /** A string equal for two states iff they are equal (the memo key). */
  stateKey(state: TState): string;
  /** Why an `ok` operation's output does not fit its input, or `undefined` when it does. */
  invalidOutput(input: TInput, output: TOutput | undefined): string | undefined;
  /** A short human description for reports and timelines, e.g. `cas 3->4 ok`. */
  describe(input: TInput, output: TOutput | undefined): string;
  /**
   * Optional, to prune unknown outcomes. What the operation writes that a later output can show
   * (its value), or `undefined` when it writes nothing.
   */
  writeId?(input: TInput): string | undefined;
  /** Optional, with `writeId`: the write ids an `ok` operation's output shows took effect. */
  observedIds?(input: TInput, output: TOutput | undefined): readonly string[];
  /**
   * Optional, with `writeId`: true when, among these operations of one key, an unknown write that
   * no output observes cannot change any other operation's output, so it may be dropped.
   */
  canDropUnobserved?(inputs: readonly TInput[]): boolean;
  /**
   * Optional: decides one key's (pruned) operations directly, in polynomial time, instead of the
   * search; `undefined` when it does not apply to these operations. Same contract as the search.
   */
  decide?(ops: readonly Operation<TInput, TOutput>[]): KeyDecision | undefined;
}

/** A verdict on one key from a model's own decision procedure; indices are into its ops. */
export interface KeyDecision {
  readonly verdict: 'ok' | 'violation';
  /** A linearization (ok), or the longest prefix of one that was found (violation). */
  readonly linearized: readonly number[];
  /** For violations: the operation that cannot be placed. */
  readonly blocking?: number;
}

/** The answer for a key or a whole history. `unknown` means the search budget ran out. */
export type Verdict = 'ok' | 'violation' | 'unknown';

/** The result of checking one key. */
export interface KeyCheck {
  readonly key: string;
  readonly verdict: Verdict;
  /** Search steps spent. */
  readonly steps: number;
  /**
   * Ids of the operations of this key the search considered: fails, unknown reads and unknown
   * writes that nothing observed (when the model allows) are dropped.
   */
  readonly opIds: readonly number[];
  /**
   * For `violation` and `unknown`: the longest partial linearization found, in order. For `ok`:
   * a full linearization of the ok operations (and of the unknown ones it needed).
   */
  readonly linearizedIds: readonly number[];
  /** For `violation`: the operation whose completion no linearization could get past. */
  readonly blockingId?: number;
  /** For `violation`: the time span where the search got stuck, in microseconds. */
  readonly region?: { readonly loUs: number; readonly hiUs: number };
}

/** The result of a whole history: `violation` if any key has one, else `unknown` if any key. */
export interface LinearizabilityResult {
  readonly verdict: Verdict;
  readonly keys: readonly KeyCheck[];
}

/** Options of `checkLinearizable`. */
export interface CheckOptions {
  /** Search steps per key before answering `unknown`; default `searchStepsDefault`. */
  readonly stepsMax?: number;
  /**
   * `auto` (default): a model's own `decide` where it applies, else the search. `search`: always
   * the search (tests use it to cross-check the two).
   */
  readonly method?: 'auto' | 'search';
}

interface EventList {
  /** next/prev links; index `head` is the sentinel, -1 is the end. */
  readonly next: Int32Array;
  readonly prev: Int32Array;
  readonly head: number;
  /** The local operation index of each event. */
  readonly opOf: Int32Array;
  /** For calls: the index of the return event, -1 for unknown outcomes; -2 for returns. */
  readonly matchOf: Int32Array;
}

const RETURN = -2;

function buildEvents(ops: readonly Operation<unknown, unknown>[]): EventList {
  const events: { t: number; isCall: boolean; op: number }[] = [];
  ops.forEach((op, i) => {
    events.push({ t: op.invokeUs, isCall: true, op: i });
    if (op.outcome === 'ok') events.push({ t: op.completeUs, isCall: false, op: i });
  });
  // Calls sort before returns at the same instant: two operations that touch at one microsecond
  // count as concurrent, the lenient reading of a clock of finite resolution.
  events.sort((x, y) => x.t - y.t || Number(y.isCall) - Number(x.isCall) || x.op - y.op);
  const count = events.length;
  const list: EventList = {
    next: new Int32Array(count + 1),
    prev: new Int32Array(count + 1),
    head: count,
    opOf: new Int32Array(count),
    matchOf: new Int32Array(count),
  };
  const callIndex = new Int32Array(ops.length).fill(-1);
  list.matchOf.fill(-1);
  let last = list.head;
  events.forEach((ev, e) => {
    list.opOf[e] = ev.op;
    if (ev.isCall) callIndex[ev.op] = e;
    else {
      list.matchOf[e] = RETURN;
      list.matchOf[callIndex[ev.op] ?? -1] = e;
    }
    list.next[last] = e;
    list.prev[e] = last;
    last = e;
  });
  list.next[last] = -1;
  return list;
}

function unlink(list: EventList, e: number): void {
  const p = list.prev[e] ?? -1;
  const n = list.next[e] ?? -1;
  list.next[p] = n;
  if (n !== -1) list.prev[n] = p;
}

function relink(list: EventList, e: number): void {
  const p = list.prev[e] ?? -1;
  const n = list.next[e] ?? -1;
  list.next[p] = e;
  if (n !== -1) list.prev[n] = e;
}

/** Lifts a call and its return; `unlift` must undo lifts in exactly the reverse order. */
function lift(list: EventList, call: number): void {
  unlink(list, call);
  const ret = list.matchOf[call] ?? -1;
  if (ret >= 0) unlink(list, ret);
}

function unlift(list: EventList, call: number): void {
  const ret = list.matchOf[call] ?? -1;
  if (ret >= 0) relink(list, ret);
  relink(list, call);
}

/** The (linearized set, state) pairs already explored, keyed by set hash and state key. */
class Memo {
  readonly #seen = new Map<string, BitsetSnapshot[]>();

  /** Adds the pair; false when it was already there. */
  add(hash: readonly [number, number], bits: Bitset, stateKey: string): boolean {
    const key = `${hash[0]}.${hash[1]}|${stateKey}`;
    const sets = this.#seen.get(key);
    if (sets === undefined) {
      this.#seen.set(key, [bits.snapshot()]);
      return true;
    }
    if (sets.some((s) => bits.equals(s))) return false;
    sets.push(bits.snapshot());
    return true;
  }
}

interface SearchOutcome {
  readonly verdict: Verdict;
  readonly steps: number;
  readonly linearized: readonly number[];
  readonly blocking?: number;
}

/** Mutable search state, kept in one record so the loop's helpers take few parameters. */
interface Search<TState> {
  readonly list: EventList;
  readonly bits: Bitset;
  readonly memo: Memo;
  hash: [number, number];
  state: TState;
  readonly stack: { call: number; before: TState }[];
  best: number[];
  blocking: number | undefined;
}

function toggle<TState>(s: Search<TState>, op: number): void {
  const [a, b] = zobrist(op);
  s.hash = [(s.hash[0] ^ a) >>> 0, (s.hash[1] ^ b) >>> 0];
}

/** Tries to linearize the call `e` next; true when it did (and the walk restarts at head). */
function tryCall<TState, TInput, TOutput>(
  model: Model<TState, TInput, TOutput>,
  ops: readonly Operation<TInput, TOutput>[],
  ctx: { s: Search<TState>; e: number },
): boolean {
  const { s, e } = ctx;
  const i = s.list.opOf[e] ?? -1;
  const op = ops[i];
  assert(op !== undefined, 'event names an operation of the key');
  const after = model.step(s.state, op.input, op.outcome === 'ok' ? op.output : undefined);
  if (after === undefined) return false;
  s.bits.set(i);
  toggle(s, i);
  if (!s.memo.add(s.hash, s.bits, model.stateKey(after))) {
    s.bits.clear(i);
    toggle(s, i);
    return false;
  }
  s.stack.push({ call: e, before: s.state });
  s.state = after;
  lift(s.list, e);
  if (s.stack.length > s.best.length) {
    s.best = s.stack.map((f) => s.list.opOf[f.call] ?? -1);
    s.blocking = undefined;
  }
  return true;
}

/** Undoes the last step; returns the event after the undone call. */
function backtrack<TState>(s: Search<TState>): number {
  const frame = s.stack.pop();
  assert(frame !== undefined, 'backtrack with an empty stack');
  const i = s.list.opOf[frame.call] ?? -1;
  s.state = frame.before;
  s.bits.clear(i);
  toggle(s, i);
  unlift(s.list, frame.call);
  return s.list.next[frame.call] ?? -1;
}

function search<TState, TInput, TOutput>(
  model: Model<TState, TInput, TOutput>,
  ops: readonly Operation<TInput, TOutput>[],
  stepsMax: number,
): SearchOutcome {
  const list = buildEvents(ops);
  const s: Search<TState> = {
    list,
    bits: new Bitset(ops.length),
    memo: new Memo(),
    hash: [0, 0],
    state: model.init(),
    stack: [],
    best: [],
    blocking: undefined,
  };
  const result = (verdict: Verdict, steps: number): SearchOutcome => {
    const linearized = verdict === 'ok' ? s.stack.map((f) => list.opOf[f.call] ?? -1) : s.best;
    const base = { verdict, steps, linearized };
    return s.blocking === undefined || verdict === 'ok' ? base : { ...base, blocking: s.blocking };
  };
  let e = list.next[list.head] ?? -1;
  // Bounded by the budget: each iteration is one step.
  for (let steps = 0; steps < stepsMax; steps++) {
    // No event left after the walk means no return is left: every ok operation is linearized.
    if (e === -1) return result('ok', steps);
    if ((list.matchOf[e] ?? RETURN) !== RETURN) {
      e = tryCall(model, ops, { s, e }) ? (list.next[list.head] ?? -1) : (list.next[e] ?? -1);
      continue;
    }
    if (s.stack.length === s.best.length && s.blocking === undefined) {
      s.blocking = list.opOf[e] ?? -1;
    }
    if (s.stack.length === 0) return result('violation', steps);
    e = backtrack(s);
  }
  return result('unknown', stepsMax);
}

function resolveStepsMax(options: CheckOptions): number {
  const stepsMax = options.stepsMax ?? searchStepsDefault;
  if (!Number.isSafeInteger(stepsMax) || stepsMax < 1 || stepsMax > searchStepsMax) {
    throw new ChaosError({
      code: 'INVALID_OPTIONS',
      message: `stepsMax must be an integer in [1, ${searchStepsMax}], got ${stepsMax}`,
    });
  }
  return stepsMax;
}

/** Splits the history by key, dropping what cannot matter: fails, and unknown reads. */
function partitionOps<TState, TInput, TOutput>(
  model: Model<TState, TInput, TOutput>,
  ops: readonly Operation<TInput, TOutput>[],
): Map<string, Operation<TInput, TOutput>[]> {
  const byKey = new Map<string, Operation<TInput, TOutput>[]>();
  for (const op of ops) {
    if (op.outcome === 'ok') {
      const why = model.invalidOutput(op.input, op.output);
      if (why !== undefined) {
        throw new ChaosError({ code: 'INVALID_HISTORY', message: `operation ${op.id}: ${why}` });
      }
    }
    const key = model.partition(op.input);
    const list = byKey.get(key) ?? [];
    byKey.set(key, list);
    if (op.outcome === 'fail') continue;
    if (op.outcome !== 'ok' && model.isReadOnly(op.input)) continue;
    list.push(op);
  }
  return byKey;
}

/**
 * Prunes unknown outcomes before the search, the main source of its blow-up: each one may be
 * linearized anywhere after its call, or never. When an unknown operation writes an id that only
 * it writes, and an ok output shows that id, it certainly took effect, and before the first such
 * output completed: it becomes an ok operation (with no output) ending there. When no output
 * shows it and the model says unobserved writes change nothing else, it is dropped.
 */
function pruneUnknowns<TState, TInput, TOutput>(
  model: Model<TState, TInput, TOutput>,
  ops: readonly Operation<TInput, TOutput>[],
): Operation<TInput, TOutput>[] {
  if (model.writeId === undefined || model.observedIds === undefined) return [...ops];
  const writeId = (input: TInput): string | undefined => model.writeId?.(input);
  const observedIds = (input: TInput, output: TOutput | undefined): readonly string[] =>
    model.observedIds?.(input, output) ?? [];
  const writers = new Map<string, number>();
  for (const op of ops) {
    const id = writeId(op.input);
    if (id !== undefined) writers.set(id, (writers.get(id) ?? 0) + 1);
  }
  const seenBy = new Map<string, number>();
  for (const op of ops) {
    if (op.outcome !== 'ok') continue;
    for (const id of observedIds(op.input, op.output)) {
      seenBy.set(id, Math.min(seenBy.get(id) ?? Infinity, op.completeUs));
    }
  }
  const mayDrop = model.canDropUnobserved?.(ops.map((op) => op.input)) ?? false;
  return ops.flatMap((op) => {
    const id = op.outcome === 'unknown' ? writeId(op.input) : undefined;
    if (id === undefined || writers.get(id) !== 1) return [op];
    const closeUs = seenBy.get(id);
    if (closeUs === undefined) return mayDrop ? [] : [op];
    // Seen before it was invoked: leave it open-ended and let the search report the violation.
    if (closeUs < op.invokeUs) return [op];
    const { output: _none, ...rest } = op;
    return [{ ...rest, outcome: 'ok' as const, completeUs: closeUs }];
  });
}

/** The span where the search got stuck: from the first unlinearized ok call to the blocker. */
function regionOf<TInput, TOutput>(
  ops: readonly Operation<TInput, TOutput>[],
  found: SearchOutcome,
): { loUs: number; hiUs: number } | undefined {
  if (found.blocking === undefined) return undefined;
  const blocker = ops[found.blocking];
  assert(blocker !== undefined, 'the blocking operation is one of the key');
  const done = new Set(found.linearized);
  let loUs = blocker.invokeUs;
  for (const [i, op] of ops.entries()) {
    if (done.has(i) || op.invokeUs > blocker.completeUs) continue;
    if (op.outcome === 'ok') loUs = Math.min(loUs, op.invokeUs);
  }
  return { loUs, hiUs: blocker.completeUs };
}

function checkKey<TState, TInput, TOutput>(
  model: Model<TState, TInput, TOutput>,
  key: string,
  ctx: { ops: readonly Operation<TInput, TOutput>[]; stepsMax: number; method: 'auto' | 'search' },
): KeyCheck {
  const { ops } = ctx;
  if (ops.length > opsPerKeyMax) {
    throw new ChaosError({
      code: 'INVALID_HISTORY',
      message: `key ${JSON.stringify(key)} has ${ops.length} operations, more than ${opsPerKeyMax}`,
    });
  }
  const pruned = pruneUnknowns(model, ops);
  const decided = ctx.method === 'auto' ? model.decide?.(pruned) : undefined;
  const found: SearchOutcome =
    decided === undefined
      ? search(model, pruned, ctx.stepsMax)
      : { ...decided, steps: pruned.length };
  const idOf = (i: number): number => pruned[i]?.id ?? -1;
  const base: KeyCheck = {
    key,
    verdict: found.verdict,
    steps: found.steps,
    opIds: pruned.map((op) => op.id),
    linearizedIds: found.linearized.map(idOf),
  };
  if (found.verdict !== 'violation' || found.blocking === undefined) return base;
  const region = regionOf(pruned, found);
  const withBlocker = { ...base, blockingId: idOf(found.blocking) };
  return region === undefined ? withBlocker : { ...withBlocker, region };
}

/**
 * Checks that a history is linearizable with respect to `model`, key by key.
 *
 * `fail` operations are dropped (they took no effect). `unknown` operations may take effect at
 * any instant after their invocation, or never. Each key gets a budget of `stepsMax` search steps;
 * a key that exhausts it is `unknown`, never `ok`.
 *
 * @throws ChaosError `INVALID_HISTORY` for a malformed history, `INVALID_OPTIONS` for a bad budget.
 * @example
 * const result = checkLinearizable(registerModel(), history.operations());
 * if (result.verdict !== 'ok') await writeViolationReport(dir, { model, ops, result });
 */
export function checkLinearizable<TState, TInput, TOutput>(
  model: Model<TState, TInput, TOutput>,
  ops: readonly Operation<TInput, TOutput>[],
  options: CheckOptions = {},
): LinearizabilityResult {
  const stepsMax = resolveStepsMax(options);
  validateHistory(ops);
  const byKey = partitionOps(model, ops);
  const keys = [...byKey.keys()].sort();
  const method = options.method ?? 'auto';
  const checks = keys.map((key) =>
    checkKey(model, key, { ops: byKey.get(key) ?? [], stepsMax, method }),
  );
  const has = (v: Verdict): boolean => checks.some((c) => c.verdict === v);
  const verdict: Verdict = has('violation') ? 'violation' : has('unknown') ? 'unknown' : 'ok';
  return { verdict, keys: checks };
}

/** One line per key that is not `ok`, e.g. `key "a": violation after 3 of 5 ops, stuck at 7`. */
export function describeLinearizability(result: LinearizabilityResult): string {
  const lines = result.keys
    .filter((k) => k.verdict !== 'ok')
    .map((k) => {
      const stuck = k.blockingId === undefined ? '' : `, stuck at op ${k.blockingId}`;
      const done = `${k.linearizedIds.length} of ${k.opIds.length} ops`;
      return `key ${JSON.stringify(k.key)}: ${k.verdict} after ${done} in ${k.steps} steps${stuck}`;
    });
  return [`linearizability: ${result.verdict}`, ...lines].join('\n');
}
