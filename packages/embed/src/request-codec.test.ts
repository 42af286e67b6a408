// Goal: every request an entry carries decodes to what was proposed: puts in their binary
// layout (every flag, with and without a lease, empty and binary keys and values) and every
// other request in msgpack; a put payload whose lengths do not add up is refused.
import { fc, test } from '@fast-check/vitest';
import { assert, describe, expect, it } from 'vitest';
import { decodeRequest, encodeRequest, RequestIds } from './request-codec.js';

const ids = new RequestIds(0x1234abcd);

describe('request codec', () => {
  test.prop({
    key: fc.uint8Array({ minLength: 1, maxLength: 300 }),
    value: fc.uint8Array({ maxLength: 2000 }),
    lease: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER })),
    prevKv: fc.boolean(),
    ignoreValue: fc.boolean(),
    ignoreLease: fc.boolean(),
  })('a put round-trips with every field', (put) => {
    const id = ids.next();
    const data = encodeRequest({ id, request: { put } });
    expect(data[0]).toBe(0x01);
    const back = decodeRequest(data);
    expect(back.id).toBe(id);
    assert('put' in back.request);
    const { key, value, ...flags } = back.request.put;
    expect(Buffer.from(key).equals(put.key)).toBe(true);
    expect(Buffer.from(value).equals(put.value)).toBe(true);
    expect(flags).toEqual({
      lease: put.lease === 0 ? undefined : put.lease,
      prevKv: put.prevKv,
      ignoreValue: put.ignoreValue,
      ignoreLease: put.ignoreLease,
    });
  });

  it('makes request IDs that differ between members and between lives of one member', () => {
    const seen = new Set<string>();
    for (const ids of [new RequestIds(1), new RequestIds(2), new RequestIds(1)]) {
      for (let i = 0; i < 100; i++) seen.add(ids.next());
    }
    expect(seen.size).toBe(300);
  });

  it('carries other requests in msgpack', () => {
    const request = {
      txn: {
        compare: [{ key: Buffer.from('a'), target: 'VERSION', result: 'EQUAL', version: 0 }],
        success: [{ requestPut: { key: Buffer.from('a'), value: Buffer.from('1') } }],
        failure: [],
      },
    } as const;
    const data = encodeRequest({ id: 'x.1', request: request });
    expect(data[0]).toBe(0x92);
    const back = decodeRequest(data);
    expect(back.id).toBe('x.1');
    expect(JSON.stringify(back.request)).toBe(JSON.stringify(request));
  });

  it('refuses a put payload cut short', () => {
    const data = encodeRequest({
      id: 'x.2',
      request: { put: { key: Buffer.from('k'), value: Buffer.from('value') } },
    });
    expect(() => decodeRequest(data.subarray(0, data.byteLength - 1))).toThrow(/length/);
  });
});
