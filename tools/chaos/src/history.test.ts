// Goal: the recorder keeps invocation order and monotonic times, marks unknown and pending
// operations as open-ended, and refuses to complete an operation twice.
import { describe, expect, it } from 'vitest';
import { AssertionError } from './assert.js';
import { HistoryRecorder } from './history.js';

describe('HistoryRecorder', () => {
  it('records outcomes with monotonic timestamps and open-ended unknowns', () => {
    const h = new HistoryRecorder<string, number>();
    const a = h.invoke(1, 'write 1');
    const b = h.invoke(2, 'read');
    const c = h.invoke(3, 'write 2');
    h.invoke(4, 'read');
    a('ok');
    b('ok', 1);
    c('unknown');
    const ops = h.operations();
    expect(ops.map((o) => o.id)).toEqual([0, 1, 2, 3]);
    expect(ops.map((o) => [o.process, o.outcome, o.output])).toEqual([
      [1, 'ok', undefined],
      [2, 'ok', 1],
      [3, 'unknown', undefined],
      [4, 'unknown', undefined],
    ]);
    expect(ops[0]!.completeUs).toBeGreaterThanOrEqual(ops[0]!.invokeUs);
    expect(ops[1]!.invokeUs).toBeGreaterThanOrEqual(ops[0]!.invokeUs);
    expect(ops[2]!.completeUs).toBe(Infinity);
    expect(() => {
      a('fail');
    }).toThrow(AssertionError);
  });
});
