// Goal: TransportError keeps its code, message and cause, and isTransportError narrows by class and code.
import { describe, expect, it } from 'vitest';
import { TransportError, transportErrorCodes, isTransportError } from './errors.js';

describe('TransportError', () => {
  it('falls back to the code as message and keeps the cause', () => {
    const cause = new Error('underlying');
    const e = new TransportError({ code: 'PEER_UNKNOWN', cause });
    expect([e.name, e.code, e.message, e.cause]).toEqual([
      'TransportError',
      'PEER_UNKNOWN',
      'PEER_UNKNOWN',
      cause,
    ]);
    expect(new TransportError({ code: 'FRAME_TOO_LARGE', message: 'why' }).message).toBe('why');
  });

  it('is narrowed by class and code, and nothing else', () => {
    const e = new TransportError({ code: 'PEER_UNKNOWN' });
    expect(isTransportError(e)).toBe(true);
    expect(isTransportError(e, 'PEER_UNKNOWN')).toBe(true);
    expect(isTransportError(e, 'FRAME_TOO_LARGE')).toBe(false);
    expect(isTransportError(Object.assign(new Error('x'), { code: 'PEER_UNKNOWN' }))).toBe(false);
    expect(Object.keys(transportErrorCodes)).toContain('PEER_UNKNOWN');
  });
});
