// Goal: every typed error reaches the client as etcd's own status code and description, since
// etcd's clients match on the description. Method: map real error objects and compare with the
// strings etcd's clients know.
import { status } from '@grpc/grpc-js';
import { MvccError, mvccErrorCodes, type MvccErrorCode } from '@keel/kv-mvcc';
import { describe, expect, it } from 'vitest';
import { EtcdGrpcError, etcdGrpcErrorCodes, type EtcdGrpcErrorCode } from './errors.js';
import { EtcdAnswer, etcdStatuses, toEtcdStatus } from './status.js';

/** Stands in for embed's EmbedError, which this package may not import (it sits above us). */
class EmbedError extends Error {
  override readonly name = 'EmbedError';
  constructor(
    readonly code: string,
    message?: string,
  ) {
    super(message ?? code);
  }
}

describe('toEtcdStatus', () => {
  it("maps the conditions clients test for to etcd's exact code and description", () => {
    expect(toEtcdStatus(new MvccError({ code: 'COMPACTED' }))).toEqual({
      code: status.OUT_OF_RANGE,
      details: 'etcdserver: mvcc: required revision has been compacted',
    });
    expect(toEtcdStatus(new MvccError({ code: 'FUTURE_REV' }))).toEqual({
      code: status.OUT_OF_RANGE,
      details: 'etcdserver: mvcc: required revision is a future revision',
    });
    expect(toEtcdStatus(new EtcdGrpcError({ code: 'REQUEST_TOO_LARGE' }))).toEqual({
      code: status.INVALID_ARGUMENT,
      details: 'etcdserver: request is too large',
    });
    expect(toEtcdStatus(new MvccError({ code: 'NO_SPACE' }))).toEqual({
      code: status.RESOURCE_EXHAUSTED,
      details: 'etcdserver: mvcc: database space exceeded',
    });
    expect(toEtcdStatus(new EtcdGrpcError({ code: 'TOO_MANY_OPS' }))).toEqual({
      code: status.INVALID_ARGUMENT,
      details: 'etcdserver: too many operations in txn request',
    });
    expect(toEtcdStatus(new EtcdGrpcError({ code: 'LEASE_NOT_FOUND' }))).toEqual({
      code: status.NOT_FOUND,
      details: 'etcdserver: requested lease not found',
    });
  });

  it("maps embed's codes: NOT_LEADER is etcd's no leader, the rest Unavailable or exhausted", () => {
    expect(toEtcdStatus(new EmbedError('NOT_LEADER'))).toEqual({
      code: status.UNAVAILABLE,
      details: 'etcdserver: no leader',
    });
    expect(toEtcdStatus(new EmbedError('TIMEOUT'))).toEqual(etcdStatuses.timeout);
    expect(toEtcdStatus(new EmbedError('STOPPED'))).toEqual({
      code: status.UNAVAILABLE,
      details: 'etcdserver: server stopped',
    });
    expect(toEtcdStatus(new EmbedError('OVERLOADED'))).toEqual({
      code: status.RESOURCE_EXHAUSTED,
      details: 'etcdserver: too many requests',
    });
  });

  it('gives every request-facing EtcdGrpcError code a gRPC status other than UNKNOWN', () => {
    // INVALID_CONFIG is thrown by createEtcdGrpcServer to its caller and never travels.
    const codes = Object.keys(etcdGrpcErrorCodes) as EtcdGrpcErrorCode[];
    for (const code of codes.filter((c) => c !== 'INVALID_CONFIG')) {
      const st = toEtcdStatus(new EtcdGrpcError({ code, message: `m-${code}` }));
      expect(st.code, code).not.toBe(status.UNKNOWN);
      expect(st.details, code).toMatch(/^etcdserver: |^m-/);
    }
  });

  it("maps each of kv-mvcc's request-facing codes, and answers its internal ones as UNKNOWN", () => {
    const internal: MvccErrorCode[] = [
      'INDEX_MISMATCH',
      'SNAPSHOT_INVALID',
      'INVALID_CONFIG',
      'FORMAT_UNSUPPORTED',
    ];
    for (const code of Object.keys(mvccErrorCodes) as MvccErrorCode[]) {
      const st = toEtcdStatus(new MvccError({ code, message: `m-${code}` }));
      if (internal.includes(code))
        expect(st, code).toEqual({ code: status.UNKNOWN, details: `m-${code}` });
      else expect(st.code, code).not.toBe(status.UNKNOWN);
    }
  });

  it("maps embed's REQUEST_TOO_LARGE to etcd's request is too large", () => {
    expect(toEtcdStatus(new EmbedError('REQUEST_TOO_LARGE', 'put of 2 MiB'))).toEqual({
      code: status.INVALID_ARGUMENT,
      details: 'etcdserver: request is too large',
    });
  });

  it("maps embed's UNSUPPORTED to UNIMPLEMENTED with the message naming the operation", () => {
    const msg = 'adding a member is not supported yet';
    expect(toEtcdStatus(new EmbedError('UNSUPPORTED', msg))).toEqual({
      code: status.UNIMPLEMENTED,
      details: msg,
    });
    // An error without a message of its own still says what happened, not just the code.
    expect(toEtcdStatus(new EmbedError('UNSUPPORTED'))).toEqual({
      code: status.UNIMPLEMENTED,
      details: 'this operation is not supported by this server',
    });
  });

  it('keeps the message of INVALID_ARGUMENT and answers unknown errors with UNKNOWN', () => {
    const st = toEtcdStatus(new EtcdGrpcError({ code: 'INVALID_ARGUMENT', message: 'bad lease' }));
    expect(st).toEqual({ code: status.INVALID_ARGUMENT, details: 'bad lease' });
    expect(toEtcdStatus(new Error('boom'))).toEqual({ code: status.UNKNOWN, details: 'boom' });
    expect(toEtcdStatus('text')).toEqual({ code: status.UNKNOWN, details: 'text' });
    expect(toEtcdStatus(new EmbedError('SOMETHING_NEW')).code).toBe(status.UNKNOWN);
    expect(toEtcdStatus(new EtcdAnswer(etcdStatuses.authNotEnabled))).toEqual({
      code: status.FAILED_PRECONDITION,
      details: 'etcdserver: authentication is not enabled',
    });
  });
});
