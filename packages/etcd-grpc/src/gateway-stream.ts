// A bidi stream over the JSON gateway, as grpc-gateway serves etcd's /v3/watch and
// /v3/lease/keepalive: the request body is a stream of JSON objects (one request each, in any
// spacing), and each response is written as a line `{"result": <response>}`. The stream ends
// with the handler (OK), with an error line `{"error": {"grpc_code", "http_code", "message",
// "http_status"}}` (grpc-gateway's stream error; its HTTP status too when nothing was sent
// yet), or when the client disconnects. The end of the request body does not end the stream:
// etcd's gateway keeps a watch created by `curl -d` open until the client leaves.
import { EventEmitter } from 'node:events';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { Metadata, status as grpcStatus, type StatusObject } from '@grpc/grpc-js';
import type protobuf from 'protobufjs';
import type { DuplexCall } from './stream-method.js';
import { decodeInbound } from './grpc-method.js';
import { httpStatusOf } from './http-status.js';
import { encodeJsonRequest, jsonResponse } from './json-codec.js';
import { JsonObjectSplitter } from './json-splitter.js';
import type { Inbound } from './unary-method.js';

/** The exchange a streaming call runs over. */
export interface JsonStreamExchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly requestType: protobuf.Type;
  readonly responseType: protobuf.Type;
  /** The largest one request object may be, in bytes. */
  readonly objectBytesMax: number;
}

/** One request object's text as the handler receives it: decoded, or why it did not decode. */
function inboundOf(type: protobuf.Type, text: string): Inbound<unknown> {
  try {
    return decodeInbound(type, encodeJsonRequest(type, JSON.parse(text) as unknown));
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    return {
      ok: false,
      reason: reason.startsWith('json: ') ? reason : `json: ${reason}`,
      sizeBytes: 0,
    };
  }
}

/** A bidi call over one HTTP exchange, driven by the same handler as a gRPC stream. */
export class JsonStreamCall extends EventEmitter implements DuplexCall<unknown> {
  readonly metadata = new Metadata();
  readonly #x: JsonStreamExchange;
  readonly #splitter: JsonObjectSplitter;
  /** Decoded requests not yet handed over while the handler holds the stream paused. */
  #queue: Inbound<unknown>[] = [];
  #paused = false;
  #ended = false;
  #cancelled = false;

  constructor(x: JsonStreamExchange) {
    super();
    this.#x = x;
    this.#splitter = new JsonObjectSplitter(x.objectBytesMax);
    // grpc-gateway passes `Grpc-Metadata-*` headers on as metadata; etcd reads `hasleader`.
    const hasleader = x.req.headers['grpc-metadata-hasleader'];
    if (typeof hasleader === 'string') this.metadata.set('hasleader', hasleader);
    // The handler's status (or the leader monitor's) ends the response with an error line.
    this.on('error', (status: Partial<StatusObject>) => {
      this.#fail(status);
    });
    x.req.on('data', (chunk: Buffer) => {
      this.#receive(chunk);
    });
    x.res.on('drain', () => this.emit('drain'));
    x.res.on('close', () => {
      this.#cancelled = !this.#ended;
      this.#ended = true;
      if (this.#cancelled) this.emit('cancelled');
      this.emit('close');
    });
  }

  /** True once the client left before the stream ended. */
  get cancelled(): boolean {
    return this.#cancelled;
  }

  /** True once the stream ended, whichever way. */
  get writableEnded(): boolean {
    return this.#ended;
  }

  #receive(chunk: Buffer): void {
    for (const piece of this.#splitter.push(chunk)) {
      const { requestType } = this.#x;
      this.#queue.push(
        piece.ok
          ? inboundOf(requestType, piece.text)
          : { ok: false, reason: piece.reason, sizeBytes: 0 },
      );
    }
    this.#flush();
  }

  /** Hands over queued requests until paused; true when all went and the call flows. */
  #flush(): boolean {
    while (this.#queue.length > 0) {
      if (this.#paused || this.#ended) return false;
      const next = this.#queue.shift() as Inbound<unknown>;
      this.emit('data', next);
    }
    return !this.#paused;
  }

  /** Stops handing over requests (and reading the body) until `resume`. */
  pause(): this {
    this.#paused = true;
    this.#x.req.pause();
    return this;
  }

  /** Hands over the requests held back, then reads the body again. */
  resume(): this {
    this.#paused = false;
    if (this.#flush()) this.#x.req.resume();
    return this;
  }

  #writeHead(httpStatus: number): void {
    const { res } = this.#x;
    if (!res.headersSent) res.writeHead(httpStatus, { 'content-type': 'application/json' });
  }

  /** Writes one response line; false: wait for `drain`. `cb` runs once it is flushed. */
  write(msg: object, cb?: () => void): boolean {
    if (this.#ended) {
      cb?.();
      return true;
    }
    this.#writeHead(200);
    const line = `{"result":${jsonResponse(this.#x.responseType, msg)}}\n`;
    return this.#x.res.write(line, () => cb?.());
  }

  /** Ends the stream with OK. Idempotent. */
  end(): this {
    if (this.#ended) return this;
    this.#ended = true;
    this.#writeHead(200);
    this.#x.res.end();
    return this;
  }

  #fail(status: Partial<StatusObject>): void {
    if (this.#ended) return;
    this.#ended = true;
    const code = status.code ?? grpcStatus.UNKNOWN;
    const httpCode = httpStatusOf(code);
    this.#writeHead(httpCode);
    const error = {
      grpc_code: code,
      http_code: httpCode,
      message: status.details ?? '',
      http_status: STATUS_CODES[httpCode] ?? '',
    };
    this.#x.res.end(`${JSON.stringify({ error })}\n`);
  }
}
