// Goal: MvccError keeps its code, message and cause, and isMvccError narrows by class and code.
import { describe, expect, it } from 'vitest';
import { MvccError, mvccErrorCodes, isMvccError } from './errors.js';

describe('MvccError', () => {
  it('falls back to the code as message and keeps the cause', () => {
    const cause = new Error('underlying');
    const e = new MvccError({ code: 'COMPACTED', cause });
    expect([e.name, e.code, e.message, e.cause]).toEqual([
      'MvccError',
      'COMPACTED',
      'COMPACTED',
      cause,
    ]);
    expect(new MvccError({ code: 'FUTURE_REV', message: 'why' }).message).toBe('why');
  });

  it('is narrowed by class and code, and nothing else', () => {
    const e = new MvccError({ code: 'COMPACTED' });
    expect(isMvccError(e)).toBe(true);
    expect(isMvccError(e, 'COMPACTED')).toBe(true);
    expect(isMvccError(e, 'FUTURE_REV')).toBe(false);
    expect(isMvccError(Object.assign(new Error('x'), { code: 'COMPACTED' }))).toBe(false);
    expect(Object.keys(mvccErrorCodes)).toContain('COMPACTED');
  });
});
