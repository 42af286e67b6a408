// Goal: IDs are deterministic, order-independent in their inputs, sensitive to every input,
// exact safe integers, and printed as etcd prints them.
import { describe, expect, it } from 'vitest';
import { deriveClusterId, deriveMemberId, formatMemberId } from './member-id.js';

describe('deriveMemberId', () => {
  it('depends on the peer URL set and the token, not on URL order', () => {
    const a = deriveMemberId(['http://127.0.0.1:2380', 'http://10.0.0.1:2380'], 'etcd-cluster');
    const b = deriveMemberId(['http://10.0.0.1:2380', 'http://127.0.0.1:2380'], 'etcd-cluster');
    expect(a).toBe(b);
    expect(deriveMemberId(['http://127.0.0.1:2380'], 'etcd-cluster')).not.toBe(a);
    expect(deriveMemberId(['http://127.0.0.1:2380', 'http://10.0.0.1:2380'], 'other')).not.toBe(a);
    expect(Number.isSafeInteger(a) && a > 0).toBe(true);
  });

  it('gives a re-added member a new ID through its add time', () => {
    const urls = ['http://127.0.0.1:2380'];
    expect(deriveMemberId(urls, 't', 1000)).not.toBe(deriveMemberId(urls, 't', 2000));
    expect(deriveMemberId(urls, 't', 1000)).toBe(deriveMemberId(urls, 't', 1000));
  });
});

describe('deriveClusterId', () => {
  it('depends on the member set only', () => {
    const ids = [
      deriveMemberId(['a'], 't'),
      deriveMemberId(['b'], 't'),
      deriveMemberId(['c'], 't'),
    ];
    expect(deriveClusterId(ids)).toBe(deriveClusterId([...ids].reverse()));
    expect(deriveClusterId(ids.slice(0, 2))).not.toBe(deriveClusterId(ids));
    expect(Number.isSafeInteger(deriveClusterId(ids))).toBe(true);
  });
});

describe('formatMemberId', () => {
  it('prints lower-case hex', () => {
    expect(formatMemberId(0x8e9e05c521646)).toBe('8e9e05c521646');
    expect(formatMemberId(255)).toBe('ff');
  });
});
