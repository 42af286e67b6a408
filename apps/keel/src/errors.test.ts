// Goal: KeelError keeps its code, message and cause, maps each code to etcd's exit status, and
// isKeelError narrows by class and code. Each code is triggered for real in cli.test.ts.
import { describe, expect, it } from 'vitest';
import { KeelError, isKeelError, keelErrorCodes } from './errors.js';

describe('KeelError', () => {
  it('falls back to the code as message and keeps the cause', () => {
    const cause = new Error('underlying');
    const e = new KeelError({ code: 'CONFIG_FILE', cause });
    expect([e.name, e.code, e.message, e.cause]).toEqual([
      'KeelError',
      'CONFIG_FILE',
      'CONFIG_FILE',
      cause,
    ]);
    expect(new KeelError({ code: 'SNAPSHOT_INVALID', message: 'why' }).message).toBe('why');
  });

  it("carries etcd's exit status for its code", () => {
    const statuses = Object.fromEntries(
      Object.keys(keelErrorCodes).map((c) => [
        c,
        new KeelError({ code: c as keyof typeof keelErrorCodes }).exitCode,
      ]),
    );
    expect(statuses).toEqual({
      UNKNOWN_FLAG: 2,
      BAD_FLAG_VALUE: 2,
      UNSUPPORTED_FLAG: 2,
      NOT_A_FLAG: 1,
      BAD_ENV_VALUE: 1,
      ENV_CONFLICT: 1,
      CONFIG_FILE: 1,
      INVALID_CONFIG: 1,
      BAD_ARGS: 128,
      SNAPSHOT_INVALID: 1,
    });
  });

  it('is narrowed by class and code, and nothing else', () => {
    const e = new KeelError({ code: 'ENV_CONFLICT' });
    expect(isKeelError(e)).toBe(true);
    expect(isKeelError(e, 'ENV_CONFLICT')).toBe(true);
    expect(isKeelError(e, 'CONFIG_FILE')).toBe(false);
    expect(isKeelError(Object.assign(new Error('x'), { code: 'ENV_CONFLICT' }))).toBe(false);
  });
});
