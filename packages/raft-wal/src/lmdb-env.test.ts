// Goal: LMDB and OS failures are classified by their numeric or errno codes: "no room" becomes
// FULL, "LMDB's own structure is damaged" becomes CORRUPT, anything else stays as it is.
import { describe, expect, it } from 'vitest';
import { isDamageError, isFullError, isResourceError } from './lmdb-env.js';

const withCode = (code: unknown): Error => Object.assign(new Error('x'), { code });

describe('LMDB error classification', () => {
  it('treats map full, ENOSPC, EDQUOT and EFBIG as full, and nothing else', () => {
    for (const code of [-30792, 28, 122, 27, 'ENOSPC', 'EDQUOT', 'EFBIG']) {
      expect(isFullError(withCode(code)), String(code)).toBe(true);
    }
    for (const code of [5, 'EIO', -30796, undefined]) {
      expect(isFullError(withCode(code)), String(code)).toBe(false);
    }
    expect(isFullError({ code: 28 })).toBe(false);
  });

  it('treats LMDB corruption codes as damage, and not I/O errors', () => {
    for (const code of [-30797, -30796, -30793, -30784]) {
      expect(isDamageError(withCode(code)), String(code)).toBe(true);
    }
    for (const code of [5, -30792, 'EIO']) expect(isDamageError(withCode(code))).toBe(false);
  });

  it('treats a full reader table or lack of memory as a resource limit, not damage', () => {
    for (const code of [-30790, -30789, -30785, 12])
      expect(isResourceError(withCode(code))).toBe(true);
    for (const code of [-30796, 5, undefined]) expect(isResourceError(withCode(code))).toBe(false);
  });
});
