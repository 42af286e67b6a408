// Goal: the acknowledged-writes check passes when every acknowledged write is visible in the final
// reads, and names each lost, phantom or duplicated write otherwise; a key with acknowledged writes
// and no final read is MISSING_FINAL_READ. Method: small hand-written histories.
import { describe, expect, it } from 'vitest';
import { HistoryBuilder } from '../test/history-builder.js';
import {
  findLostAppends,
  findLostWrites,
  isChaosError,
  type ListAppendInput,
  type ListAppendOutput,
  type RegisterInput,
  type RegisterOutput,
} from './index.js';

const reg = (): HistoryBuilder<RegisterInput, RegisterOutput> =>
  new HistoryBuilder<RegisterInput, RegisterOutput>();
const w = (value: string, key = 'k'): RegisterInput => ({ f: 'write', key, value });
const list = (): HistoryBuilder<ListAppendInput, ListAppendOutput> =>
  new HistoryBuilder<ListAppendInput, ListAppendOutput>();
const ap = (value: string, key = 'l'): ListAppendInput => ({ f: 'append', key, value });

describe('findLostWrites', () => {
  it('passes when the final value is the last acknowledged write or a later unknown one', () => {
    const h = reg().ok([1, 0, 10], w('a')).ok([2, 5, 15], w('b')).unknown(3, 20, w('c'));
    for (const value of ['a', 'b', 'c']) {
      expect(findLostWrites(h.ops, new Map([['k', { value }]])), value).toEqual([]);
    }
  });

  it('reports a write that started after the final value was written', () => {
    const h = reg()
      .ok([1, 0, 10], w('a'))
      .ok([1, 20, 30], w('b'))
      .ok(
        [2, 40, 50],
        { f: 'cas', key: 'k', expect: { value: 'b' }, value: 'c' },
        {
          succeeded: true,
        },
      )
      .ok(
        [2, 60, 70],
        { f: 'cas', key: 'k', expect: { value: 'x' }, value: 'd' },
        {
          succeeded: false,
        },
      );
    expect(findLostWrites(h.ops, new Map([['k', { value: 'a' }]]))).toEqual([
      expect.objectContaining({ kind: 'lost', value: 'b', opId: 1 }),
      expect.objectContaining({ kind: 'lost', value: 'c', opId: 2 }),
    ]);
    // The initial value still there after an acknowledged write: that write is lost.
    expect(findLostWrites(h.ops.slice(0, 1), new Map([['k', { value: null }]]))).toEqual([
      expect.objectContaining({ kind: 'lost', value: 'a', opId: 0 }),
    ]);
  });

  it('reports writes acknowledged at a revision newer than the final one, and phantoms', () => {
    const h = reg().ok([1, 0, 10], w('a'), { modRev: 7 }).ok([2, 0, 10], w('b'), { modRev: 8 });
    expect(findLostWrites(h.ops, new Map([['k', { value: 'b', modRev: 8 }]]))).toEqual([]);
    expect(findLostWrites(h.ops, new Map([['k', { value: 'a', modRev: 7 }]]))).toEqual([
      expect.objectContaining({ kind: 'lost', value: 'b', opId: 1 }),
    ]);
    // A value nobody wrote replaced every acknowledged write: all of them are lost.
    expect(findLostWrites(h.ops, new Map([['k', { value: 'zz' }]]))).toEqual([
      expect.objectContaining({ kind: 'phantom', value: 'zz' }),
      expect.objectContaining({ kind: 'lost', value: 'a', opId: 0 }),
      expect.objectContaining({ kind: 'lost', value: 'b', opId: 1 }),
    ]);
  });

  it('ignores failed writes and throws MISSING_FINAL_READ for an unread key', () => {
    const failed = reg().fail([1, 0, 10], w('a'));
    expect(findLostWrites(failed.ops, new Map([['k', { value: null }]]))).toEqual([]);
    expect(findLostWrites(failed.ops, new Map())).toEqual([]);
    const acked = reg().ok([1, 0, 10], w('a', 'other'));
    let code: string | undefined;
    try {
      findLostWrites(acked.ops, new Map([['k', { value: null }]]));
    } catch (e) {
      if (!isChaosError(e)) throw e;
      code = e.code;
    }
    expect(code).toBe('MISSING_FINAL_READ');
  });
});

describe('findLostAppends', () => {
  it('passes when every acknowledged append is in the final list', () => {
    const h = list().ok([1, 0, 10], ap('a')).unknown(2, 0, ap('b')).fail([3, 0, 10], ap('c'));
    expect(findLostAppends(h.ops, new Map([['l', ['a']]]))).toEqual([]);
    expect(findLostAppends(h.ops, new Map([['l', ['b', 'a']]]))).toEqual([]);
  });

  it('reports lost, phantom and duplicate values', () => {
    const h = list().ok([1, 0, 10], ap('a')).ok([1, 20, 30], ap('b')).fail([3, 0, 10], ap('c'));
    expect(findLostAppends(h.ops, new Map([['l', ['a', 'a', 'c', 'z']]]))).toEqual([
      expect.objectContaining({ kind: 'duplicate', value: 'a' }),
      expect.objectContaining({ kind: 'phantom', value: 'c' }),
      expect.objectContaining({ kind: 'phantom', value: 'z' }),
      expect.objectContaining({ kind: 'lost', value: 'b', opId: 1 }),
    ]);
    // A final list for a key nobody appended to can only hold phantoms.
    expect(findLostAppends([], new Map([['m', ['q']]]))).toEqual([
      expect.objectContaining({ kind: 'phantom', key: 'm', value: 'q' }),
    ]);
  });

  it('throws MISSING_FINAL_READ for a key with acknowledged appends and no final read', () => {
    const h = list().ok([1, 0, 10], ap('a', 'x'));
    expect(() => findLostAppends(h.ops, new Map())).toThrow(
      expect.objectContaining({ code: 'MISSING_FINAL_READ' }),
    );
  });
});
