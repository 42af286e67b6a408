// Goal: executables are found on the search path in order; missing ones give undefined.
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findExecutable } from './find-executable.js';

describe('findExecutable', () => {
  it('finds node in the directory of the running node', () => {
    expect(findExecutable('node', `/nonexistent:${dirname(process.execPath)}`)).toBe(
      process.execPath,
    );
  });

  it('gives undefined for a name that is nowhere', () => {
    expect(findExecutable('keel-no-such-binary-xyz')).toBeUndefined();
    expect(findExecutable('node', '')).toBeUndefined();
  });
});
