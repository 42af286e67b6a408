// The streaming RPCs as values that every front end serves the same way: a bidi method (Watch,
// LeaseKeepAlive) or a server-streaming one (Snapshot, Observe, Health.Watch), each its gate and
// its handler, which drives a call. grpc-js's call is one kind of call; the JSON gateway's
// JsonStreamCall (gateway-stream.ts) is the other, so each stream has one implementation
// whichever way it came.
import type { Metadata, StatusObject } from '@grpc/grpc-js';
import { toEtcdStatus } from './status.js';
import {
  gateStatus,
  malformedStatus,
  toStatusObject,
  type CallGate,
  type Inbound,
} from './unary-method.js';

/**
 * What a streaming handler uses of its call: `write` sends a response (false: wait for
 * `drain`), its callback runs once it is flushed; `end` ends the stream with OK and
 * `emit('error', status)` with a status; `cancelled` (the client left) and `writableEnded` say
 * whether writing is still useful; `drain`, `cancelled`, `close` and `error` are events.
 */
export interface WritableCall {
  readonly metadata: Metadata;
  readonly cancelled: boolean;
  readonly writableEnded: boolean;
  on(event: string, listener: () => void): unknown;
  once(event: string, listener: () => void): unknown;
  off(event: string, listener: () => void): unknown;
  write(msg: object, cb?: () => void): boolean;
  end(): unknown;
  emit(event: 'error', status: Partial<StatusObject>): boolean;
}

/**
 * A bidi call: a WritableCall whose requests arrive as `data` events (decoded, or the reason
 * they did not decode), with `end` when the client ends them; `pause`/`resume` hold them back.
 */
export interface DuplexCall<TReq> extends WritableCall {
  on(event: 'data', listener: (inbound: Inbound<TReq>) => void): unknown;
  on(event: string, listener: () => void): unknown;
  pause(): unknown;
  resume(): unknown;
}

/** A bidirectional-streaming handler; it owns the call from here on. */
export type DuplexHandler<TReq> = (call: DuplexCall<TReq>) => void;

/** A server-streaming handler: writes to `call`, then resolves (OK) or rejects (its status). */
export type ServerStreamHandler<TReq> = (req: TReq, call: WritableCall) => Promise<void>;

/** One bidi RPC as every front end serves it. */
export interface DuplexMethod {
  readonly kind: 'duplex';
  readonly gate: CallGate;
  readonly handler: DuplexHandler<unknown>;
}

/** One server-streaming RPC as every front end serves it. */
export interface ServerStreamMethod {
  readonly kind: 'serverStream';
  readonly gate: CallGate;
  readonly handler: ServerStreamHandler<unknown>;
}

// In both constructors below, the request type is the shape of the message the schema decodes
// for the method; both front ends hand over exactly that decoded message, so the narrowing is
// sound by construction.

/** A bidi RPC: `handler` takes the call once `gate` admits it (a learner refuses every one). */
export function duplex<TReq>(gate: CallGate<TReq>, handler: DuplexHandler<TReq>): DuplexMethod {
  return {
    kind: 'duplex',
    gate: gate as CallGate,
    handler: handler as unknown as DuplexHandler<unknown>,
  };
}

/** A server-streaming RPC: `handler` runs once `gate` admits the call and its request. */
export function serverStream<TReq>(
  gate: CallGate<TReq>,
  handler: ServerStreamHandler<TReq>,
): ServerStreamMethod {
  return {
    kind: 'serverStream',
    gate: gate as CallGate,
    handler: handler as ServerStreamHandler<unknown>,
  };
}

/**
 * Starts `method` on `call`: the gate first (learner, then `hasleader` as `leaderRequired`
 * says), then the leader-loss tracking and the handler.
 * @returns the status that refused the call, or undefined once the handler owns it.
 */
export function startDuplex(
  method: DuplexMethod,
  call: DuplexCall<unknown>,
  leaderRequired: boolean,
): Partial<StatusObject> | undefined {
  const stop = gateStatus(method.gate, leaderRequired, undefined);
  if (stop !== undefined) return stop;
  method.gate.track?.(call);
  method.handler(call);
  return undefined;
}

/**
 * Runs `method` for `inbound` on `call`: a malformed request or the gate's refusal ends the call
 * with its status; otherwise the handler writes, and the call ends with OK when it resolves or
 * with its error as etcd's status.
 */
export function runServerStream(
  method: ServerStreamMethod,
  call: WritableCall,
  req: { readonly inbound: Inbound<unknown>; readonly leaderRequired: boolean },
): void {
  const { inbound } = req;
  if (!inbound.ok) {
    call.emit('error', malformedStatus(inbound.reason));
    return;
  }
  const stop = gateStatus(method.gate, req.leaderRequired, inbound);
  if (stop !== undefined) {
    call.emit('error', stop);
    return;
  }
  method.gate.track?.(call);
  method.handler(inbound.msg, call).then(
    () => call.end(),
    (e: unknown) => call.emit('error', toStatusObject(toEtcdStatus(e))),
  );
}
