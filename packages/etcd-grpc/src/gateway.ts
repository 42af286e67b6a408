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
import { startDuplex, type DuplexMethod } from './duplex-method.js';
import { JsonStreamCall } from './gateway-stream.js';
import { httpStatusOf } from './http-status.js';
import { answerUnary, toStatusObject, type UnaryMethod } from './unary-method.js';
import { toEtcdStatus } from './status.js';

/** One resolved path: its unary or bidi method (neither: server-streaming) and its types. */
interface Target {
  readonly path: string;
  readonly unary: UnaryMethod | undefined;
  readonly duplex: DuplexMethod | undefined;
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
    const unary = typeof impl !== 'function' && impl.kind === 'unary' ? impl : undefined;
    const duplex = typeof impl !== 'function' && impl.kind === 'duplex' ? impl : undefined;
    targets.set(path, { path, unary, duplex, requestType, responseType });
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
 * The JSON gateway over `opts.services`: POST /v3/... with a JSON body; the bidi streams (watch,
 * lease keep-alive) stream both ways (gateway-stream.ts). An unknown path gets 404 and another
 * method 405, as etcd's gateway answers; a server-streaming method (snapshot, election observe)
 * is not served over JSON and gets 501 with a JSON error naming it.
 */
export function createGateway(opts: GatewayOptions): GatewayHandler {
  const targets = resolveTargets(opts.services);
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
    const { unary, duplex } = target;
    if (duplex !== undefined) {
      serveDuplex({ req, res, target, objectBytesMax: opts.bodyBytesMax }, duplex);
      return;
    }
    if (unary === undefined) {
      sendError(res, {
        code: grpcStatus.UNIMPLEMENTED,
        details: `the JSON gateway does not serve the server-streaming call ${path}; use gRPC`,
      });
      return;
    }
    serveUnary({ req, res, target, unary }, opts.bodyBytesMax).catch((e: unknown) => {
      sendError(res, toStatusObject(toEtcdStatus(e)));
    });
  };
}

/** Runs bidi `method` over the exchange: requests from the body, responses as lines. */
function serveDuplex(
  x: { req: IncomingMessage; res: ServerResponse; target: Target; objectBytesMax: number },
  method: DuplexMethod,
): void {
  const { req, res, target, objectBytesMax } = x;
  const { requestType, responseType } = target;
  const call = new JsonStreamCall({ req, res, requestType, responseType, objectBytesMax });
  const leaderRequired = req.headers['grpc-metadata-hasleader'] === 'true';
  const stop = startDuplex(method, call, leaderRequired);
  if (stop !== undefined) call.emit('error', stop);
}

interface UnaryExchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly target: Target;
  readonly unary: UnaryMethod;
}

async function serveUnary(x: UnaryExchange, bodyBytesMax: number): Promise<void> {
  const { req, res, target } = x;
  const body = await readBody(req, bodyBytesMax);
  if (body === undefined) {
    res.shouldKeepAlive = false; // the rest of the body is never read
    sendError(res, {
      code: grpcStatus.RESOURCE_EXHAUSTED,
      details: `the JSON body is larger than the gateway reads (${bodyBytesMax} bytes)`,
    });
    return;
  }
  let bytes: Uint8Array;
  try {
    bytes = requestBytes(target.requestType, body);
  } catch (e) {
    if (!isEtcdGrpcError(e, 'INVALID_ARGUMENT')) throw e;
    sendError(res, { code: grpcStatus.INVALID_ARGUMENT, details: e.message });
    return;
  }
  answerJson(x, decodeInbound(target.requestType, bytes));
}

function answerJson(x: UnaryExchange, inbound: ReturnType<typeof decodeInbound>): void {
  const { req, res, target, unary } = x;
  let signal: AbortSignal | undefined;
  if (unary.waiting) {
    const abort = new AbortController();
    // The client went away before its answer: a waiting lock or campaign stops waiting.
    res.once('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    signal = abort.signal;
  }
  const leaderRequired = req.headers['grpc-metadata-hasleader'] === 'true';
  answerUnary(unary, { inbound, leaderRequired, signal }, (status, result) => {
    if (status !== null) {
      sendError(res, status);
      return;
    }
    assert(result !== undefined, 'a unary answer without status carries a response');
    send(res, 200, jsonResponse(target.responseType, result));
  });
}
