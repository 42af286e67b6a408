// Goal: the linearizability checker accepts every known-linearizable history and rejects every
// known-bad one, for registers (read, write, cas on value and on mod revision) and list append,
// with concurrent overlapping operations, unknown outcomes and failed operations; it answers
// `unknown` when its budget runs out and reports where it got stuck. Method: small hand-written
// histories whose verdict is worked out in the comment above each one.
import { describe, expect, it } from 'vitest';
import { HistoryBuilder } from '../test/history-builder.js';
import {
  checkLinearizable,
  describeLinearizability,
  isChaosError,
  listAppendModel,
  registerModel,
  type ListAppendInput,
  type ListAppendOutput,
  type RegisterInput,
  type RegisterOutput,
} from './index.js';

type Reg = HistoryBuilder<RegisterInput, RegisterOutput>;
const reg = (): Reg => new HistoryBuilder<RegisterInput, RegisterOutput>();
const w = (value: string, key = 'k'): RegisterInput => ({ f: 'write', key, value });
const r = (key = 'k'): RegisterInput => ({ f: 'read', key });
const cas = (from: string | null, to: string, key = 'k'): RegisterInput => ({
  f: 'cas',
  key,
  expect: { value: from },
  value: to,
});
const casRev = (modRev: number, to: string): RegisterInput => ({
  f: 'cas',
  key: 'k',
  expect: { modRev },
  value: to,
});
const verdictOf = (h: Reg): string => checkLinearizable(registerModel(), h.ops).verdict;

describe('checkLinearizable with the register model', () => {
  it('accepts sequential and overlapping histories that have a linearization', () => {
    // Sequential: w a, r a, w b, r b.
    const seq = reg()
      .ok([1, 0, 10], w('a'))
      .ok([2, 20, 30], r(), { value: 'a' })
      .ok([1, 40, 50], w('b'))
      .ok([2, 60, 70], r(), { value: 'b' });
    expect(verdictOf(seq)).toBe('ok');
    // Two overlapping writes may land in either order; a read overlapping both may see either
    // value, the initial one included, and a later read sees the one that landed last.
    for (const [mid, last] of [
      [null, 'b'],
      ['a', 'b'],
      ['b', 'a'],
    ] as const) {
      const h = reg()
        .ok([1, 0, 10], w('a'))
        .ok([2, 5, 15], w('b'))
        .ok([3, 1, 12], r(), { value: mid })
        .ok([3, 20, 30], r(), { value: last });
      expect(verdictOf(h), `mid ${mid} last ${last}`).toBe('ok');
    }
    // Operations that touch at one instant count as concurrent.
    expect(verdictOf(reg().ok([1, 0, 10], w('a')).ok([2, 10, 20], r(), { value: null }))).toBe(
      'ok',
    );
  });

  it('rejects stale reads, values never written, and reads that flip back', () => {
    const stale = reg().ok([1, 0, 10], w('a')).ok([2, 20, 30], r(), { value: null });
    expect(verdictOf(stale)).toBe('violation');
    const phantom = reg().ok([1, 0, 10], w('a')).ok([2, 5, 30], r(), { value: 'z' });
    expect(verdictOf(phantom)).toBe('violation');
    // Both writes finish before the reads; once a read saw a, b cannot come back.
    const flip = reg()
      .ok([1, 0, 10], w('a'))
      .ok([2, 5, 15], w('b'))
      .ok([3, 20, 30], r(), { value: 'a' })
      .ok([3, 40, 50], r(), { value: 'b' });
    expect(verdictOf(flip)).toBe('violation');
    // Two readers overlapping each other but after both writes must agree on the final value.
    const split = reg()
      .ok([1, 0, 10], w('a'))
      .ok([2, 0, 10], w('b'))
      .ok([3, 20, 30], r(), { value: 'a' })
      .ok([4, 20, 30], r(), { value: 'b' });
    expect(verdictOf(split)).toBe('violation');
  });

  it('lets an unknown write take effect at any time after its call, or never', () => {
    // Read null, then x: the unknown write landed between the reads.
    const late = reg()
      .unknown(1, 0, w('x'))
      .ok([2, 10, 20], r(), { value: null })
      .ok([2, 30, 40], r(), { value: 'x' });
    expect(verdictOf(late)).toBe('ok');
    // Never took effect.
    const never = reg().unknown(1, 0, w('x')).ok([2, 10, 20], r(), { value: null });
    expect(verdictOf(never)).toBe('ok');
    // It cannot take effect before it was invoked.
    const early = reg().ok([2, 0, 10], r(), { value: 'x' }).unknown(1, 20, w('x'));
    expect(verdictOf(early)).toBe('violation');
    // Once seen it stays: a later read of the old value is a violation.
    const undo = reg()
      .unknown(1, 0, w('x'))
      .ok([2, 10, 20], r(), { value: 'x' })
      .ok([2, 30, 40], r(), { value: null });
    expect(verdictOf(undo)).toBe('violation');
    // Unknown reads are dropped: their (absent) output constrains nothing.
    const blindRead = reg().ok([1, 0, 10], w('a')).unknown(2, 20, r());
    expect(verdictOf(blindRead)).toBe('ok');
  });

  it('prunes unknown writes only where that cannot change the verdict', () => {
    // The unseen unknown write v is the only thing that explains the failed cas: it must be kept.
    const explains = reg()
      .ok([1, 0, 10], w('a'))
      .unknown(2, 20, w('v'))
      .ok([1, 30, 40], cas('a', 'b'), { succeeded: false });
    expect(verdictOf(explains)).toBe('ok');
    // Seen by a read, an unknown write took effect before that read ended: a read after it that
    // shows the older value is a violation even though the write never completed.
    const seen = reg()
      .ok([1, 0, 10], w('a'))
      .unknown(2, 20, w('v'))
      .ok([3, 30, 40], r(), { value: 'v' })
      .ok([1, 50, 60], r(), { value: 'a' });
    expect(verdictOf(seen)).toBe('violation');
    // Two writes of the same value: a read of it does not tell which one took effect.
    const twice = reg()
      .unknown(1, 0, w('v'))
      .ok([2, 10, 20], r(), { value: 'v' })
      .ok([2, 30, 40], w('a'))
      .unknown(3, 35, w('v'))
      .ok([2, 50, 60], r(), { value: 'v' });
    expect(verdictOf(twice)).toBe('ok');
    // An unknown write nobody saw, on a key with no cas, is dropped before the search.
    const result = checkLinearizable(registerModel(), reg().unknown(1, 0, w('v')).ops);
    expect(result.keys[0]?.opIds).toEqual([]);
  });

  it('treats failed operations as never having taken effect', () => {
    const failed = reg().fail([1, 0, 10], w('x')).ok([2, 20, 30], r(), { value: 'x' });
    expect(verdictOf(failed)).toBe('violation');
    const ignored = reg().fail([1, 0, 10], w('x')).ok([2, 20, 30], r(), { value: null });
    expect(verdictOf(ignored)).toBe('ok');
  });

  it('checks compare-and-set on the value', () => {
    const good = reg()
      .ok([1, 0, 10], w('1'))
      .ok([1, 20, 30], cas('1', '2'), { succeeded: true })
      .ok([2, 25, 35], cas('1', '3'), { succeeded: false })
      .ok([2, 40, 50], r(), { value: '2' });
    expect(verdictOf(good)).toBe('ok');
    // Two concurrent CAS from the same value cannot both succeed.
    const both = reg()
      .ok([1, 0, 10], cas(null, '1'), { succeeded: true })
      .ok([2, 0, 10], cas(null, '2'), { succeeded: true });
    expect(verdictOf(both)).toBe('violation');
    // A CAS whose compare held cannot report failure.
    const wrongNo = reg()
      .ok([1, 0, 10], w('1'))
      .ok([1, 20, 30], cas('1', '2'), { succeeded: false });
    expect(verdictOf(wrongNo)).toBe('violation');
    // An unknown CAS may succeed only when its compare holds at its linearization point.
    const unknownCas = reg().unknown(1, 0, cas(null, '1')).ok([2, 10, 20], r(), { value: '1' });
    expect(verdictOf(unknownCas)).toBe('ok');
    const cannot = reg()
      .ok([1, 0, 10], w('a'))
      .unknown(1, 20, cas('b', 'c'))
      .ok([2, 30, 40], r(), { value: 'c' });
    expect(verdictOf(cannot)).toBe('violation');
  });

  it('checks compare-and-set on the mod revision and that revisions grow', () => {
    const good = reg()
      .ok([1, 0, 10], w('a'), { modRev: 5 })
      .ok([2, 20, 30], r(), { value: 'a', modRev: 5 })
      .ok([2, 40, 50], casRev(5, 'b'), { succeeded: true, modRev: 6 })
      .ok([1, 45, 55], casRev(5, 'c'), { succeeded: false })
      .ok([1, 60, 70], r(), { value: 'b', modRev: 6 });
    expect(verdictOf(good)).toBe('ok');
    const lostUpdate = reg()
      .ok([1, 0, 10], w('a'), { modRev: 5 })
      .ok([2, 20, 30], casRev(5, 'b'), { succeeded: true, modRev: 6 })
      .ok([1, 40, 50], casRev(5, 'c'), { succeeded: true, modRev: 7 });
    expect(verdictOf(lostUpdate)).toBe('violation');
    const backwards = reg().ok([1, 0, 10], w('a'), { modRev: 5 }).ok([1, 20, 30], w('b'), {
      modRev: 4,
    });
    expect(verdictOf(backwards)).toBe('violation');
    const wrongRev = reg()
      .ok([1, 0, 10], w('a'), { modRev: 5 })
      .ok([2, 20, 30], r(), { value: 'a', modRev: 6 });
    expect(verdictOf(wrongRev)).toBe('violation');
    // After an unknown write the revision is unknown until a read reports it; a CAS on it may then
    // go either way, and the read that reports it pins it down again.
    const learn = reg()
      .unknown(1, 0, w('x'))
      .ok([2, 10, 20], casRev(9, 'y'), { succeeded: true, modRev: 10 })
      .ok([2, 30, 40], r(), { value: 'y', modRev: 10 });
    expect(verdictOf(learn)).toBe('ok');
  });

  it('checks each key alone and reports only the key that breaks', () => {
    const h = reg()
      .ok([1, 0, 10], w('a', 'x'))
      .ok([2, 0, 10], w('a', 'y'))
      .ok([1, 20, 30], r('x'), { value: 'a' })
      .ok([2, 20, 30], r('y'), { value: null });
    const result = checkLinearizable(registerModel(), h.ops);
    expect(result.verdict).toBe('violation');
    expect(result.keys.map((k) => [k.key, k.verdict])).toEqual([
      ['x', 'ok'],
      ['y', 'violation'],
    ]);
    expect(describeLinearizability(result)).toMatchInlineSnapshot(`
      "linearizability: violation
      key "y": violation after 1 of 2 ops in 3 steps, stuck at op 3"
    `);
  });

  it('reports the longest partial linearization, the blocking operation and its region', () => {
    const h = reg()
      .ok([1, 0, 10], w('a'))
      .ok([2, 20, 30], r(), { value: 'a' })
      .ok([1, 40, 50], w('b'))
      .ok([3, 45, 70], r(), { value: 'c' })
      .ok([2, 60, 65], r(), { value: 'b' });
    const [key] = checkLinearizable(registerModel(), h.ops).keys;
    expect(key?.verdict).toBe('violation');
    expect(key?.linearizedIds).toEqual([0, 1, 2, 4]);
    expect(key?.blockingId).toBe(3);
    expect(key?.region).toEqual({ loUs: 45, hiUs: 70 });
  });

  it('answers unknown, never ok, when the budget runs out', () => {
    // Ten concurrent unknown writes and a read of a value none wrote: refuting it needs a search
    // of every subset of the writes, far larger than the budget. (The failed cas keeps the
    // unobserved writes from being pruned: one of them might explain why it failed.)
    const h = reg().ok([11, 0, 5], cas('zz', 'q'), { succeeded: false });
    for (let p = 0; p < 10; p++) h.unknown(p, p, w(`v${p}`));
    h.ok([10, 100, 110], r(), { value: 'nobody' });
    const small = checkLinearizable(registerModel(), h.ops, { stepsMax: 50 });
    expect(small.verdict).toBe('unknown');
    expect(small.keys[0]?.steps).toBe(50);
    expect(checkLinearizable(registerModel(), h.ops).verdict).toBe('violation');
  });

  it('rejects malformed histories and options with INVALID_HISTORY and INVALID_OPTIONS', () => {
    const code = (f: () => unknown): string | undefined => {
      try {
        f();
      } catch (e) {
        if (isChaosError(e)) return e.code;
        throw e;
      }
      return undefined;
    };
    const model = registerModel();
    const backwards = reg().ok([1, 10, 5], w('a')).ops;
    expect(code(() => checkLinearizable(model, backwards))).toBe('INVALID_HISTORY');
    const noValue = reg().ok([1, 0, 5], r()).ops;
    expect(code(() => checkLinearizable(model, noValue))).toBe('INVALID_HISTORY');
    const noSucceeded = reg().ok([1, 0, 5], cas('a', 'b'), {}).ops;
    expect(code(() => checkLinearizable(model, noSucceeded))).toBe('INVALID_HISTORY');
    const badRev = reg().ok([1, 0, 5], w('a'), { modRev: -1 }).ops;
    expect(code(() => checkLinearizable(model, badRev))).toBe('INVALID_HISTORY');
    const twice = [...reg().ok([1, 0, 5], w('a')).ops, ...reg().ok([1, 6, 9], w('b')).ops];
    expect(code(() => checkLinearizable(model, twice))).toBe('INVALID_HISTORY');
    const okNoTime = [{ ...reg().ok([1, 0, 5], w('a')).ops[0]!, completeUs: Infinity }];
    expect(code(() => checkLinearizable(model, okNoTime))).toBe('INVALID_HISTORY');
    expect(code(() => checkLinearizable(model, [], { stepsMax: 0 }))).toBe('INVALID_OPTIONS');
    expect(code(() => checkLinearizable(model, [], { stepsMax: 1.5 }))).toBe('INVALID_OPTIONS');
  });
});

// Every list-append case runs twice: through the model's own decision procedure and the search.
describe.each(['auto', 'search'] as const)('checkLinearizable with list append (%s)', (method) => {
  const list = (): HistoryBuilder<ListAppendInput, ListAppendOutput> =>
    new HistoryBuilder<ListAppendInput, ListAppendOutput>();
  const ap = (value: string): ListAppendInput => ({ f: 'append', key: 'l', value });
  const rd: ListAppendInput = { f: 'read', key: 'l' };
  const verdict = (h: HistoryBuilder<ListAppendInput, ListAppendOutput>): string =>
    checkLinearizable(listAppendModel(), h.ops, { method }).verdict;

  it('accepts concurrent appends in either order and reads of every prefix', () => {
    for (const seen of [
      ['a', 'b'],
      ['b', 'a'],
    ]) {
      const h = list()
        .ok([1, 0, 10], ap('a'))
        .ok([2, 0, 10], ap('b'))
        .ok([3, 5, 8], rd, { values: seen.slice(0, 1) })
        .ok([3, 20, 30], rd, { values: seen });
      expect(verdict(h)).toBe('ok');
    }
    const unknownLate = list()
      .unknown(1, 0, ap('a'))
      .ok([2, 5, 10], ap('b'))
      .ok([3, 20, 30], rd, { values: ['b'] })
      .ok([3, 40, 50], rd, { values: ['b', 'a'] });
    expect(verdict(unknownLate)).toBe('ok');
  });

  it('rejects lost, reordered, duplicated and phantom elements', () => {
    const base = (): HistoryBuilder<ListAppendInput, ListAppendOutput> =>
      list().ok([1, 0, 10], ap('a')).ok([2, 0, 10], ap('b'));
    expect(verdict(base().ok([3, 20, 30], rd, { values: ['a'] }))).toBe('violation');
    const reordered = base()
      .ok([3, 20, 30], rd, { values: ['a', 'b'] })
      .ok([3, 40, 50], rd, { values: ['b', 'a'] });
    expect(verdict(reordered)).toBe('violation');
    expect(verdict(base().ok([3, 20, 30], rd, { values: ['a', 'b', 'a'] }))).toBe('violation');
    expect(verdict(base().ok([3, 20, 30], rd, { values: ['a', 'b', 'c'] }))).toBe('violation');
    // An unknown append cannot appear before an append that completed before it was invoked.
    const early = list()
      .ok([1, 0, 10], ap('a'))
      .unknown(2, 20, ap('b'))
      .ok([3, 30, 40], rd, { values: ['b', 'a'] });
    expect(verdict(early)).toBe('violation');
  });

  it('rejects a read without a list as INVALID_HISTORY', () => {
    const h = list().ok([1, 0, 10], rd, {});
    expect(() => checkLinearizable(listAppendModel(), h.ops)).toThrow(
      expect.objectContaining({ code: 'INVALID_HISTORY' }),
    );
  });
});
