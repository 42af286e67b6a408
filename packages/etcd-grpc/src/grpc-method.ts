// The bridge between protobufjs's schema and grpc-js's untyped service definitions, and the
// grpc-js call wrappers: malformed protobuf is answered with INVALID_ARGUMENT (grpc-js would
// answer INTERNAL if a deserializer threw), unary methods run through answerUnary (the same path
// the JSON gateway takes), and streams pass the same gate (learner, `hasleader`) first.
import type {
  MethodDefinition,
  ServerDuplexStream,
  ServerUnaryCall,
  ServerWritableStream,
  ServiceDefinition,
  UntypedHandleCall,
  UntypedServiceImplementation,
  sendUnaryData,
} from '@grpc/grpc-js';
import type protobuf from 'protobufjs';
import { assert } from './assert.js';
import { requiresLeader } from './leader-streams.js';
import { serviceOf } from './proto.js';
import {
  runServerStream,
  startDuplex,
  type DuplexMethod,
  type ServerStreamMethod,
} from './stream-method.js';
import { answerUnary, type Inbound, type UnaryMethod } from './unary-method.js';

/** Decodes `buf` as `type`, never throwing: a failure becomes the reason it did not decode. */
export function decodeInbound(type: protobuf.Type, buf: Uint8Array): Inbound<unknown> {
  try {
    return { ok: true, msg: type.decode(buf), sizeBytes: buf.length };
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    return { ok: false, reason, sizeBytes: buf.length };
  }
}

function deserializerFor(type: protobuf.Type): (buf: Buffer) => Inbound<unknown> {
  return (buf) => decodeInbound(type, buf);
}

function serializerFor(type: protobuf.Type): (msg: object) => Buffer {
  return (msg) => {
    const bytes = type.encode(msg).finish();
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
}

/**
 * The grpc-js definition of service `name` (e.g. `etcdserverpb.KV`), with paths, stream flags
 * and codecs taken from the .proto schema.
 */
export function serviceDefinition(name: string): ServiceDefinition {
  const service = serviceOf(name);
  const def: Record<string, MethodDefinition<Inbound<unknown>, object>> = {};
  for (const method of service.methodsArray) {
    const req = method.resolvedRequestType;
    const res = method.resolvedResponseType;
    assert(req !== null && res !== null, `unresolved types in ${name}.${method.name}`);
    def[method.name] = {
      path: `/${name}/${method.name}`,
      requestStream: method.requestStream === true,
      responseStream: method.responseStream === true,
      requestSerialize: () => {
        throw new Error('server-side definition: requests are never serialized here');
      },
      requestDeserialize: deserializerFor(req),
      responseSerialize: serializerFor(res),
      responseDeserialize: (buf: Buffer) => res.decode(buf),
    };
  }
  return def;
}

/** A grpc-js handler, or a unary or bidi method that grpcImplementation wraps for grpc-js. */
export type ServiceMethod = UnaryMethod | DuplexMethod | ServerStreamMethod | UntypedHandleCall;

/** A service's methods by name, as the services build them. */
export type ServiceMethods = Readonly<Record<string, ServiceMethod>>;

/** Serves `method` as a grpc-js unary call handler. */
function grpcUnary(
  method: UnaryMethod,
): (call: ServerUnaryCall<Inbound<unknown>, object>, cb: sendUnaryData<object>) => void {
  return (call, cb) => {
    let signal: AbortSignal | undefined;
    if (method.waiting) {
      const abort = new AbortController();
      call.once('cancelled', () => {
        abort.abort();
      });
      signal = abort.signal;
    }
    const leaderRequired = requiresLeader(call.metadata);
    answerUnary(method, { inbound: call.request, leaderRequired, signal }, (status, res) => {
      if (status === null) cb(null, res);
      else cb(status);
    });
  };
}

/** Serves `method` as a grpc-js bidi handler. */
function grpcDuplex(method: DuplexMethod): (call: ServerDuplexStream<unknown, object>) => void {
  return (call) => {
    const stop = startDuplex(method, call, requiresLeader(call.metadata));
    if (stop !== undefined) call.emit('error', stop);
  };
}

/** Serves `method` as a grpc-js server-streaming handler. */
function grpcServerStream(
  method: ServerStreamMethod,
): (call: ServerWritableStream<Inbound<unknown>, object>) => void {
  return (call) => {
    runServerStream(method, call, {
      inbound: call.request,
      leaderRequired: requiresLeader(call.metadata),
    });
  };
}

/** The grpc-js implementation of a service: unary and streaming methods wrapped, the rest as is. */
export function grpcImplementation(methods: ServiceMethods): UntypedServiceImplementation {
  const impl: UntypedServiceImplementation = {};
  for (const [name, method] of Object.entries(methods)) {
    if (typeof method === 'function') impl[name] = method;
    else if (method.kind === 'unary') impl[name] = grpcUnary(method);
    else if (method.kind === 'duplex') impl[name] = grpcDuplex(method);
    else impl[name] = grpcServerStream(method);
  }
  return impl;
}
