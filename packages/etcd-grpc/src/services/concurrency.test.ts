// Goal: the lock and election recipes name their keys and ranges as etcd's do. Method: pure
// function checks on bytes.
import { describe, expect, it } from 'vitest';
import { firstCreated, prefixEnd, recipeKeys } from './concurrency.js';

const b = (s: string): Uint8Array => new Uint8Array(Buffer.from(s));

describe('prefixEnd', () => {
  it('increments the last byte below 0xff, dropping trailing 0xff bytes', () => {
    expect(prefixEnd(b('a/'))).toEqual(b('a0'));
    expect(prefixEnd(new Uint8Array([0x61, 0xff, 0xff]))).toEqual(new Uint8Array([0x62]));
    expect(prefixEnd(new Uint8Array([0xff]))).toEqual(new Uint8Array([0]));
  });
});

describe('recipeKeys', () => {
  it('names the key <name>/<lease in hex> under the prefix <name>/', () => {
    const { prefix, key } = recipeKeys(b('lock'), 0x1a2b);
    expect(Buffer.from(prefix).toString()).toBe('lock/');
    expect(Buffer.from(key).toString()).toBe('lock/1a2b');
    expect(firstCreated(prefix)).toMatchObject({
      sortTarget: 'CREATE',
      sortOrder: 'ASCEND',
      limit: 1,
    });
  });
});
