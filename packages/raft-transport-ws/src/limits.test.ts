// Goal: limits merge over the defaults, every field and relation is checked with INVALID_CONFIG
// naming it, and the defaults themselves satisfy the relations.
import { describe, expect, it } from 'vitest';
import { defaultLimits, limitCaps, resolveLimits } from './limits.js';

describe('resolveLimits', () => {
  it('returns the defaults, with overrides applied', () => {
    expect(resolveLimits()).toEqual(defaultLimits);
    expect(resolveLimits({ pingMs: 50 }).pingMs).toBe(50);
  });

  it('refuses values out of range or caps, and broken relations', () => {
    expect(() => resolveLimits({ pingMs: 1.5 })).toThrow(
      'limits.pingMs must be a positive integer',
    );
    expect(() => resolveLimits({ frameBytesMax: limitCaps.frameBytesMax + 1 })).toThrow(
      'limits.frameBytesMax must be at most',
    );
    expect(() => resolveLimits({ frameBytesMax: 1024 })).toThrow('snapshotChunkBytes');
    expect(() => resolveLimits({ sendQueueBytesMax: 1024 * 1024 })).toThrow(
      'frameBytesMax must not exceed',
    );
    expect(() => resolveLimits({ reconnectBaseMs: 9000 })).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG' }) as Error,
    );
  });
});
