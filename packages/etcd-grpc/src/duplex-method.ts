// A bidirectional-streaming RPC (Watch, LeaseKeepAlive) as one value that every front end serves
// the same way: its gate and its handler, which drives a DuplexCall. grpc-js's call is one; the
// JSON gateway's streaming call (gateway-stream.ts) is the other, so each stream has one
// implementation whichever way it came.
import type { Metadata, StatusObject } from '@grpc/grpc-js';
import { gateStatus, type CallGate, type Inbound } from './unary-method.js';

/**
 * What a bidi handler uses of its call: requests arrive as `data` events (decoded, or the reason
 * they did not decode); `write` sends a response (false: wait for `drain`), its callback runs
 * once it is flushed; `end` ends the stream with OK and `emit('error', status)` with a status;
 * `pause`/`resume` stop and restart the requests; `end`, `cancelled` (the client left) and
 * `error` are events too.
 */
export interface DuplexCall<TReq> {
  readonly metadata: Metadata;
  on(event: 'data', listener: (inbound: Inbound<TReq>) => void): unknown;
  on(event: string, listener: () => void): unknown;
  write(msg: object, cb?: () => void): boolean;
  end(): unknown;
  emit(event: 'error', status: Partial<StatusObject>): boolean;
  pause(): unknown;
  resume(): unknown;
}

/** A bidirectional-streaming handler; it owns the call from here on. */
export type DuplexHandler<TReq> = (call: DuplexCall<TReq>) => void;

/** One bidi RPC as every front end serves it. */
export interface DuplexMethod {
  readonly kind: 'duplex';
  readonly gate: CallGate;
  readonly handler: DuplexHandler<unknown>;
}

/** A bidi RPC: `handler` takes the call once `gate` admits it (a learner refuses every one). */
export function duplex<TReq>(gate: CallGate<TReq>, handler: DuplexHandler<TReq>): DuplexMethod {
  // The request type is the shape of the message the schema decodes for this method; both front
  // ends hand over exactly that decoded message, so the narrowing is sound by construction.
  return {
    kind: 'duplex',
    gate: gate as CallGate,
    handler: handler as unknown as DuplexHandler<unknown>,
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
