// Goal: WalError keeps its code, message and cause, and isWalError narrows by class and code.
import { describe, expect, it } from 'vitest';
import { WalError, walErrorCodes, isWalError } from './errors.js';

describe('WalError', () => {
  it('falls back to the code as message and keeps the cause', () => {
    const cause = new Error('underlying');
    const e = new WalError({ code: 'CORRUPT', cause });
    expect([e.name, e.code, e.message, e.cause]).toEqual(['WalError', 'CORRUPT', 'CORRUPT', cause]);
    expect(new WalError({ code: 'FULL', message: 'why' }).message).toBe('why');
  });

  it('is narrowed by class and code, and nothing else', () => {
    const e = new WalError({ code: 'CORRUPT' });
    expect(isWalError(e)).toBe(true);
    expect(isWalError(e, 'CORRUPT')).toBe(true);
    expect(isWalError(e, 'FULL')).toBe(false);
    expect(isWalError(Object.assign(new Error('x'), { code: 'CORRUPT' }))).toBe(false);
    expect(Object.keys(walErrorCodes)).toContain('CORRUPT');
  });
});
