// Goal: the receive limit follows etcd (maxRequestBytes + 512 KiB) and refuses nonsense input.
import { describe, expect, it } from 'vitest';
import { gatewayBodyBytesMax, grpcReceiveBytesMax, maxRequestBytesDefault } from './limits.js';

describe('grpcReceiveBytesMax', () => {
  it('adds 512 KiB to maxRequestBytes', () => {
    expect(grpcReceiveBytesMax(maxRequestBytesDefault)).toBe(2 * 1024 * 1024);
  });

  it('refuses a non-positive or fractional limit', () => {
    expect(() => grpcReceiveBytesMax(0)).toThrow(RangeError);
    expect(() => grpcReceiveBytesMax(1.5)).toThrow(/positive integer/);
  });
});

describe('gatewayBodyBytesMax', () => {
  it('is twice the gRPC receive limit, room for base64 and JSON names', () => {
    expect(gatewayBodyBytesMax(maxRequestBytesDefault)).toBe(4 * 1024 * 1024);
  });
});
