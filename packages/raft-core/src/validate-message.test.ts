// Goal: the gateway check accepts every well-formed peer message and refuses each malformed
// field with INVALID_MESSAGE naming it. Method: a valid MsgApp, then one mutation per case.
import { describe, expect, it } from 'vitest';
import { isRaftError } from './errors.js';
import type { Message } from './types.js';
import { assertValidMessage } from './validate-message.js';

const entry = (index: number, term: number) => ({
  term,
  index,
  type: 'EntryNormal' as const,
  data: new Uint8Array([1, 2]),
});

const valid: Message = {
  type: 'MsgApp',
  to: 2,
  from: 1,
  term: 3,
  logTerm: 2,
  index: 5,
  entries: [entry(6, 2), entry(7, 3)],
  commit: 5,
  reject: false,
  rejectHint: 0,
  context: new Uint8Array(),
};

function rejection(m: unknown): string {
  try {
    assertValidMessage(m);
  } catch (e) {
    if (isRaftError(e, 'INVALID_MESSAGE')) return e.message;
    throw e;
  }
  return 'accepted';
}

describe('assertValidMessage', () => {
  it('accepts a well-formed append and a forwarded proposal', () => {
    expect(rejection(valid)).toBe('accepted');
    const prop = { ...valid, type: 'MsgProp', index: 0, entries: [entry(0, 0), entry(0, 0)] };
    expect(rejection(prop)).toBe('accepted');
  });

  it('refuses each malformed field with a message naming it', () => {
    expect({
      notObject: rejection(null),
      unknownType: rejection({ ...valid, type: 'MsgNope' }),
      localType: rejection({ ...valid, type: 'MsgHup' }),
      negativeTerm: rejection({ ...valid, term: -1 }),
      fractionalIndex: rejection({ ...valid, index: 1.5 }),
      zeroTo: rejection({ ...valid, to: 0 }),
      gap: rejection({ ...valid, entries: [entry(7, 2)] }),
      termGoesBack: rejection({ ...valid, entries: [entry(6, 3), entry(7, 2)] }),
      contextNotBytes: rejection({ ...valid, context: 'x' }),
      rejectNotBool: rejection({ ...valid, reject: 0 }),
      placedProposal: rejection({ ...valid, type: 'MsgProp', entries: [entry(6, 2)] }),
      badSnapshot: rejection({ ...valid, snapshot: { data: new Uint8Array(), metadata: {} } }),
    }).toMatchInlineSnapshot(`
      {
        "badSnapshot": "invalid message: snapshot.metadata.index must be a non-negative safe integer",
        "contextNotBytes": "invalid message: context must be bytes",
        "fractionalIndex": "invalid message: index must be a non-negative safe integer",
        "gap": "invalid message: entries must be contiguous after index 5",
        "localType": "invalid message: MsgHup is local-only",
        "negativeTerm": "invalid message: term must be a non-negative safe integer",
        "notObject": "invalid message: not an object",
        "placedProposal": "invalid message: proposed entries must have index and term 0",
        "rejectNotBool": "invalid message: reject must be a boolean",
        "termGoesBack": "invalid message: entry terms must not decrease",
        "unknownType": "invalid message: type is unknown",
        "zeroTo": "invalid message: to and from must be non-zero",
      }
    `);
  });
});
