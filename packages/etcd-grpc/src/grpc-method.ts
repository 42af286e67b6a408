// The bridge between protobufjs's schema and grpc-js's untyped service definitions, and the
// call wrappers every service uses: malformed protobuf is answered with INVALID_ARGUMENT (grpc-js
// would answer INTERNAL if a deserializer threw), a learner refuses what etcd's learners refuse,
// `hasleader` metadata is honoured, and any thrown error becomes etcd's status (toEtcdStatus).
import type {
  Metadata,
  MethodDefinition,
  ServerDuplexStream,
  ServerUnaryCall,
  ServerWritableStream,
  ServiceDefinition,
  StatusObject,
  sendUnaryData,
} from '@grpc/grpc-js';
import { status as grpcStatus } from '@grpc/grpc-js';
import type protobuf from 'protobufjs';
import { assert } from './assert.js';
import { requiresLeader, type LeaderStream } from './leader-streams.js';
import { serviceOf } from './proto.js';
import { etcdStatuses, toEtcdStatus, type EtcdStatus } from './status.js';

/** A request as the deserializer hands it over: decoded, or the reason it did not decode. */
export type Inbound<T> =
  | { readonly ok: true; readonly msg: T; readonly sizeBytes: number }
  | { readonly ok: false; readonly reason: string; readonly sizeBytes: number };

function deserializerFor(type: protobuf.Type): (buf: Buffer) => Inbound<unknown> {
  return (buf) => {
    try {
      return { ok: true, msg: type.decode(buf), sizeBytes: buf.length };
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      return { ok: false, reason, sizeBytes: buf.length };
    }
  };
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

/** A gRPC status for grpc-js from one of etcd's errors. */
export function toStatusObject(s: EtcdStatus): Partial<StatusObject> {
  return { code: s.code, details: s.details };
}

/** The status for a message that did not decode. */
export function malformedStatus(reason: string): Partial<StatusObject> {
  return { code: grpcStatus.INVALID_ARGUMENT, details: `etcdserver: malformed request: ${reason}` };
}

/** What the wrappers need to check a call before its handler runs. */
export interface CallGate<TReq = unknown> {
  /** The leader's member ID, 0 when none. */
  leaderId(): number;
  /** True while this member is a learner: etcd refuses every call on one but those below. */
  isLearner(): boolean;
  /** Whether a learner serves the call with this request; absent: it does not. */
  readonly servesLearner?: (req: TReq) => boolean;
  /** Follows an admitted stream, to end it if the member loses its leader (LeaderStreams). */
  readonly track?: (stream: LeaderStream) => void;
}

/**
 * `gate` for a call that a learner serves when `rule` holds for its request (etcd: Status, a
 * serializable Range, the Snapshot stream).
 */
export function learnerServes<TReq>(gate: CallGate, rule: (req: TReq) => boolean): CallGate<TReq> {
  const { track } = gate;
  return {
    leaderId: () => gate.leaderId(),
    isLearner: () => gate.isLearner(),
    servesLearner: rule,
    ...(track === undefined ? {} : { track }),
  };
}

/**
 * The status that stops a call before its handler runs, or undefined to go on. As etcd's
 * interceptors: a learner refuses first, then a missing leader refuses `hasleader` calls. A
 * bidi stream has no request yet (`req` absent): a learner refuses it, as etcd's do.
 */
function gateStatus<TReq>(
  gate: CallGate<TReq>,
  md: Metadata,
  req: { readonly msg: TReq } | undefined,
): Partial<StatusObject> | undefined {
  if (gate.isLearner() && !servedByLearner(gate, req)) {
    return toStatusObject(etcdStatuses.notSupportedForLearner);
  }
  if (requiresLeader(md) && gate.leaderId() === 0) return toStatusObject(etcdStatuses.noLeader);
  return undefined;
}

function servedByLearner<TReq>(
  gate: CallGate<TReq>,
  req: { readonly msg: TReq } | undefined,
): boolean {
  const rule = gate.servesLearner;
  return rule !== undefined && req !== undefined && rule(req.msg);
}

/** A unary handler: the decoded request and its encoded size in bytes. */
export type UnaryHandler<TReq> = (req: TReq, sizeBytes: number) => Promise<object> | object;

/** Wraps `handler` as a grpc-js unary call handler. */
export function unary<TReq>(
  gate: CallGate<TReq>,
  handler: UnaryHandler<TReq>,
): (call: ServerUnaryCall<Inbound<TReq>, object>, cb: sendUnaryData<object>) => void {
  return (call, cb) => {
    const inbound = call.request;
    if (!inbound.ok) {
      cb(malformedStatus(inbound.reason));
      return;
    }
    const stop = gateStatus(gate, call.metadata, inbound);
    if (stop !== undefined) {
      cb(stop);
      return;
    }
    let result: Promise<object> | object;
    try {
      result = handler(inbound.msg, inbound.sizeBytes);
    } catch (e) {
      cb(toStatusObject(toEtcdStatus(e)));
      return;
    }
    if (!(result instanceof Promise)) {
      cb(null, result);
      return;
    }
    result.then(
      (res) => {
        cb(null, res);
      },
      (e: unknown) => {
        cb(toStatusObject(toEtcdStatus(e)));
      },
    );
  };
}

/**
 * Wraps a unary `handler` that may wait a long time (a lock, a campaign): it gets an AbortSignal
 * that aborts when the client cancels the call or its deadline passes.
 */
export function unaryWaiting<TReq>(
  gate: CallGate<TReq>,
  handler: (req: TReq, signal: AbortSignal) => Promise<object>,
): (call: ServerUnaryCall<Inbound<TReq>, object>, cb: sendUnaryData<object>) => void {
  return (call, cb) => {
    const abort = new AbortController();
    call.once('cancelled', () => {
      abort.abort();
    });
    unary<TReq>(gate, (req) => handler(req, abort.signal))(call, cb);
  };
}

/** A server-streaming handler: writes to `call` and ends it (or throws / rejects). */
export type ServerStreamHandler<TReq> = (
  req: TReq,
  call: ServerWritableStream<Inbound<TReq>, object>,
) => Promise<void>;

/** Wraps `handler` as a grpc-js server-streaming call handler. */
export function serverStream<TReq>(
  gate: CallGate<TReq>,
  handler: ServerStreamHandler<TReq>,
): (call: ServerWritableStream<Inbound<TReq>, object>) => void {
  return (call) => {
    const inbound = call.request;
    if (!inbound.ok) {
      call.emit('error', malformedStatus(inbound.reason));
      return;
    }
    const stop = gateStatus(gate, call.metadata, inbound);
    if (stop !== undefined) {
      call.emit('error', stop);
      return;
    }
    gate.track?.(call);
    handler(inbound.msg, call).then(
      () => call.end(),
      (e: unknown) => call.emit('error', toStatusObject(toEtcdStatus(e))),
    );
  };
}

/** A bidirectional-streaming handler; it owns the stream from here on. */
export type DuplexHandler<TReq> = (call: ServerDuplexStream<Inbound<TReq>, object>) => void;

/** Wraps `handler` as a grpc-js bidi handler, applying the learner and `hasleader` gates first. */
export function duplex<TReq>(
  gate: CallGate<TReq>,
  handler: DuplexHandler<TReq>,
): (call: ServerDuplexStream<Inbound<TReq>, object>) => void {
  return (call) => {
    const stop = gateStatus(gate, call.metadata, undefined);
    if (stop !== undefined) {
      call.emit('error', stop);
      return;
    }
    gate.track?.(call);
    handler(call);
  };
}
