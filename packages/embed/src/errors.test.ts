// Goal: EmbedError keeps its code, message and cause, and isEmbedError narrows by class and code.
import { describe, expect, it } from 'vitest';
import { EmbedError, embedErrorCodes, isEmbedError } from './errors.js';

describe('EmbedError', () => {
  it('falls back to the code as message and keeps the cause', () => {
    const cause = new Error('underlying');
    const e = new EmbedError({ code: 'NOT_LEADER', cause });
    expect([e.name, e.code, e.message, e.cause]).toEqual([
      'EmbedError',
      'NOT_LEADER',
      'NOT_LEADER',
      cause,
    ]);
    expect(new EmbedError({ code: 'TIMEOUT', message: 'why' }).message).toBe('why');
  });

  it('is narrowed by class and code, and nothing else', () => {
    const e = new EmbedError({ code: 'NOT_LEADER' });
    expect(isEmbedError(e)).toBe(true);
    expect(isEmbedError(e, 'NOT_LEADER')).toBe(true);
    expect(isEmbedError(e, 'TIMEOUT')).toBe(false);
    expect(isEmbedError(Object.assign(new Error('x'), { code: 'NOT_LEADER' }))).toBe(false);
    expect(Object.keys(embedErrorCodes)).toContain('NOT_LEADER');
  });
});
