// etcd's HTTP/JSON gateway (grpc-gateway, as etcd 3.4 serves it on the client port): POST a JSON
// request to a /v3/ path and get the JSON response. Each path calls the very UnaryMethod that
// gRPC serves, through answerUnary, so the gates (learner, `hasleader` from the
// `Grpc-Metadata-Hasleader` header), the maxRequestBytes check and etcd's errors are the same.
// Errors travel as grpc-gateway writes them: `{"error", "message", "code"}` with the HTTP status
// grpc-gateway maps the gRPC code to.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { status as grpcStatus, type StatusObject } from '@grpc/grpc-js';
import type protobuf from 'protobufjs';
import { assert } from './assert.js';
import { EtcdGrpcError, isEtcdGrpcError } from './errors.js';
import { gatewayRoutes } from './gateway-routes.js';
import { decodeInbound, type ServiceMethods } from './grpc-method.js';
import { encodeJsonRequest, jsonResponse } from './json-codec.js';
import { serviceOf } from './proto.js';
import {
  runServerStream,
  startDuplex,
  type DuplexMethod,
  type ServerStreamMethod,
} from './stream-method.js';
import { JsonStreamCall } from './gateway-stream.js';
import { httpStatusOf } from './http-status.js';
import { answerUnary, toStatusObject, type Inbound, type UnaryMethod } from './unary-method.js';
import { toEtcdStatus } from './status.js';

/** A method the gateway serves: unary, bidi or server-streaming. */
type GatewayMethod = UnaryMethod | DuplexMethod | ServerStreamMethod;

/** One resolved path: its method and message types. */
interface Target {
  readonly path: string;
  readonly method: GatewayMethod;
  readonly requestType: protobuf.Type;
  readonly responseType: protobuf.Type;
}

function resolveTargets(
  services: Readonly<Record<string, ServiceMethods>>,
): ReadonlyMap<string, Target> {
  const targets = new Map<string, Target>();
  for (const [path, route] of gatewayRoutes) {
    const method = serviceOf(route.service).methods[route.method];
    const impl = services[route.service]?.[route.method];
    assert(method !== undefined && impl !== undefined, `no method behind ${path}`);
    const { resolvedRequestType: requestType, resolvedResponseType: responseType } = method;
    assert(requestType !== null && responseType !== null, `unresolved types for ${path}`);
    assert(typeof impl !== 'function', `${path} needs a unary or streaming method`);
    targets.set(path, { path, method: impl, requestType, responseType });
  }
  return targets;
}

/** Writes grpc-gateway's error body for `status`. */
function sendError(res: ServerResponse, status: Partial<StatusObject>): void {
  const code = status.code ?? grpcStatus.UNKNOWN;
  const message = status.details ?? '';
  const body = JSON.stringify({ error: message, message, code });
  send(res, httpStatusOf(code), body);
}

function send(res: ServerResponse, httpStatus: number, body: string): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(httpStatus, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

function sendText(res: ServerResponse, httpStatus: number, body: string): void {
  res.writeHead(httpStatus, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(`${body}\n`);
}

/** Reads the whole body, at most `limitBytes`; resolves undefined when it is larger. */
function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let sizeBytes = 0;
    req.on('data', (chunk: Buffer) => {
      sizeBytes += chunk.length;
      if (sizeBytes > limitBytes) {
        req.pause();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

/**
 * The protobuf bytes of a JSON body for `type`; an empty body is an empty request, as
 * grpc-gateway's.
 * @throws EtcdGrpcError INVALID_ARGUMENT when the body is not JSON or does not fit the message.
 */
function requestBytes(type: protobuf.Type, body: Buffer): Uint8Array {
  if (body.length === 0) return encodeJsonRequest(type, {});
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8')) as unknown;
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new EtcdGrpcError({ code: 'INVALID_ARGUMENT', message: `json: ${reason}`, cause: e });
  }
  return encodeJsonRequest(type, json);
}

/** Options of `createGateway`. */
export interface GatewayOptions {
  /** Every service's methods by full name (the ones gRPC serves). */
  readonly services: Readonly<Record<string, ServiceMethods>>;
  /** The largest JSON body read for one request (gatewayBodyBytesMax). */
  readonly bodyBytesMax: number;
}

/** The gateway's request handler for paths under /v3/. */
export type GatewayHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The JSON gateway over `opts.services`: POST /v3/... with a JSON body. Unary calls answer one
 * JSON object; the bidi streams (watch, lease keep-alive) take a body of JSON requests and the
 * server streams (snapshot, election observe) one request, and both answer a line
 * `{"result": ...}` per response (gateway-stream.ts). An unknown path gets 404 and another
 * method 405, as etcd's gateway answers.
 */
export function createGateway(opts: GatewayOptions): GatewayHandler {
  const targets = resolveTargets(opts.services);
  const { bodyBytesMax } = opts;
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const target = targets.get(path);
    if (target === undefined) {
      sendText(res, 404, 'Not Found');
      return;
    }
    if (req.method !== 'POST') {
      sendText(res, 405, 'Method Not Allowed');
      return;
    }
    const x = { req, res, target, bodyBytesMax };
    const { method } = target;
    if (method.kind === 'duplex') {
      serveDuplex(x, method);
      return;
    }
    readInbound(x)
      .then((inbound) => {
        if (inbound === undefined) return;
        if (method.kind === 'unary') answerJson(x, method, inbound);
        else serveServerStream(x, method, inbound);
      })
      .catch((e: unknown) => {
        sendError(res, toStatusObject(toEtcdStatus(e)));
      });
  };
}

/** One request to the gateway and what it may read. */
interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly target: Target;
  readonly bodyBytesMax: number;
}

const leaderRequiredBy = (req: IncomingMessage): boolean =>
  req.headers['grpc-metadata-hasleader'] === 'true';

function streamCall(x: Exchange): JsonStreamCall {
  const { req, res, target, bodyBytesMax } = x;
  const { requestType, responseType } = target;
  return new JsonStreamCall({ req, res, requestType, responseType, objectBytesMax: bodyBytesMax });
}

/** Runs bidi `method` over the exchange: requests from the body, responses as lines. */
function serveDuplex(x: Exchange, method: DuplexMethod): void {
  const call = streamCall(x);
  const stop = startDuplex(method, call, leaderRequiredBy(x.req));
  if (stop !== undefined) call.emit('error', stop);
}

/** Runs server-streaming `method` for the request: responses as lines. */
function serveServerStream(
  x: Exchange,
  method: ServerStreamMethod,
  inbound: Inbound<unknown>,
): void {
  runServerStream(method, streamCall(x), { inbound, leaderRequired: leaderRequiredBy(x.req) });
}

/**
 * Reads and decodes the request body; answers a body over the limit or one that is not the
 * request's JSON itself and resolves undefined then.
 */
async function readInbound(x: Exchange): Promise<Inbound<unknown> | undefined> {
  const { req, res, target, bodyBytesMax } = x;
  const body = await readBody(req, bodyBytesMax);
  if (body === undefined) {
    res.shouldKeepAlive = false; // the rest of the body is never read
    sendError(res, {
      code: grpcStatus.RESOURCE_EXHAUSTED,
      details: `the JSON body is larger than the gateway reads (${bodyBytesMax} bytes)`,
    });
    return undefined;
  }
  try {
    return decodeInbound(target.requestType, requestBytes(target.requestType, body));
  } catch (e) {
    if (!isEtcdGrpcError(e, 'INVALID_ARGUMENT')) throw e;
    sendError(res, { code: grpcStatus.INVALID_ARGUMENT, details: e.message });
    return undefined;
  }
}

/** Runs unary `unary` for the request and answers its response or error. */
function answerJson(x: Exchange, unary: UnaryMethod, inbound: Inbound<unknown>): void {
  const { req, res, target } = x;
  let signal: AbortSignal | undefined;
  if (unary.waiting) {
    const abort = new AbortController();
    // The client went away before its answer: a waiting lock or campaign stops waiting.
    res.once('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    signal = abort.signal;
  }
  const leaderRequired = leaderRequiredBy(req);
  answerUnary(unary, { inbound, leaderRequired, signal }, (status, result) => {
    if (status !== null) {
      sendError(res, status);
      return;
    }
    assert(result !== undefined, 'a unary answer without status carries a response');
    send(res, 200, jsonResponse(target.responseType, result));
  });
}
