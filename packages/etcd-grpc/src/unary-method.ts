// A unary RPC as one value that every front end serves the same way: its gate (learner refusal,
// `hasleader`) and its handler. gRPC (grpc-method.ts) and the JSON gateway (gateway.ts) both call
// answerUnary, so a request takes the same checks and the same handler whichever way it came,
// and any thrown error becomes etcd's status (toEtcdStatus).
import type { StatusObject } from '@grpc/grpc-js';
import { status as grpcStatus } from '@grpc/grpc-js';
import type { LeaderStream } from './leader-streams.js';
import { etcdStatuses, toEtcdStatus, type EtcdStatus } from './status.js';

/** A request as the deserializer hands it over: decoded, or the reason it did not decode. */
export type Inbound<T> =
  | { readonly ok: true; readonly msg: T; readonly sizeBytes: number }
  | { readonly ok: false; readonly reason: string; readonly sizeBytes: number };

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
export function gateStatus<TReq>(
  gate: CallGate<TReq>,
  leaderRequired: boolean,
  req: { readonly msg: TReq } | undefined,
): Partial<StatusObject> | undefined {
  if (gate.isLearner() && !servedByLearner(gate, req)) {
    return toStatusObject(etcdStatuses.notSupportedForLearner);
  }
  if (leaderRequired && gate.leaderId() === 0) return toStatusObject(etcdStatuses.noLeader);
  return undefined;
}

function servedByLearner<TReq>(
  gate: CallGate<TReq>,
  req: { readonly msg: TReq } | undefined,
): boolean {
  const rule = gate.servesLearner;
  return rule !== undefined && req !== undefined && rule(req.msg);
}

/** What a unary handler learns about its call besides the request. */
export interface UnaryCallInfo {
  /** The request's encoded protobuf size in bytes (for the maxRequestBytes check). */
  readonly sizeBytes: number;
  /** Aborts when the client goes away or its deadline passes (waiting methods only). */
  readonly signal: AbortSignal | undefined;
}

/** A unary handler: the decoded request and what is known of its call. */
export type UnaryHandler<TReq> = (req: TReq, info: UnaryCallInfo) => Promise<object> | object;

/**
 * One unary RPC as every front end serves it. `waiting` marks a handler that may wait a long
 * time (a lock, a campaign): its front end gives it an AbortSignal tied to the client.
 */
export interface UnaryMethod {
  readonly kind: 'unary';
  readonly gate: CallGate;
  readonly handler: UnaryHandler<unknown>;
  readonly waiting: boolean;
}

// The request type is the shape of the message the schema decodes for this method; both front
// ends hand over exactly that decoded message, so the narrowing below is sound by construction.
function erase<TReq>(gate: CallGate<TReq>, handler: UnaryHandler<TReq>, waiting: boolean) {
  return {
    kind: 'unary',
    gate: gate as CallGate,
    handler: handler as UnaryHandler<unknown>,
    waiting,
  } as const satisfies UnaryMethod;
}

/** A unary RPC: `handler` runs once `gate` admits the call. */
export function unary<TReq>(
  gate: CallGate<TReq>,
  handler: (req: TReq, sizeBytes: number) => Promise<object> | object,
): UnaryMethod {
  return erase<TReq>(gate, (req, info) => handler(req, info.sizeBytes), false);
}

/**
 * A unary RPC that may wait a long time (a lock, a campaign): `handler` gets an AbortSignal that
 * aborts when the client cancels the call, its deadline passes, or (gateway) it disconnects.
 */
export function unaryWaiting<TReq>(
  gate: CallGate<TReq>,
  handler: (req: TReq, signal: AbortSignal) => Promise<object>,
): UnaryMethod {
  return erase<TReq>(
    gate,
    (req, info) => handler(req, info.signal ?? new AbortController().signal),
    true,
  );
}

/** How a front end answers: a status to fail with, or null and the response. */
export type UnaryAnswer = (status: Partial<StatusObject> | null, res?: object) => void;

/** The call as a front end sees it: the decoded request, `hasleader`, the client's signal. */
export interface UnaryCall {
  readonly inbound: Inbound<unknown>;
  readonly leaderRequired: boolean;
  readonly signal: AbortSignal | undefined;
}

/**
 * Runs `method` for `call` and answers through `answer` exactly once: a malformed request, a
 * gate's refusal, the handler's response, or its error as etcd's status. A synchronous handler
 * is answered synchronously (no promise on the hot path).
 */
export function answerUnary(method: UnaryMethod, call: UnaryCall, answer: UnaryAnswer): void {
  const { inbound } = call;
  if (!inbound.ok) {
    answer(malformedStatus(inbound.reason));
    return;
  }
  const stop = gateStatus(method.gate, call.leaderRequired, inbound);
  if (stop !== undefined) {
    answer(stop);
    return;
  }
  let result: Promise<object> | object;
  try {
    result = method.handler(inbound.msg, { sizeBytes: inbound.sizeBytes, signal: call.signal });
  } catch (e) {
    answer(toStatusObject(toEtcdStatus(e)));
    return;
  }
  if (!(result instanceof Promise)) {
    answer(null, result);
    return;
  }
  result.then(
    (res) => {
      answer(null, res);
    },
    (e: unknown) => {
      answer(toStatusObject(toEtcdStatus(e)));
    },
  );
}
