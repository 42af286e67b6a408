import {
  connect,
  constants,
  type ClientHttp2Session,
  type ClientHttp2Stream,
  type IncomingHttpHeaders,
} from 'node:http2';

/** gRPC's DEADLINE_EXCEEDED, given to a call that outlives its `timeoutMs`. */
const deadlineExceeded = 4;

/** A gRPC call failed: the server's status code and message (`grpc-status`, `grpc-message`). */
export class GrpcCallError extends Error {
  override readonly name = 'GrpcCallError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(`gRPC status ${status}: ${message}`);
  }
}

/**
 * A lean unary gRPC client over raw HTTP/2 for load generation: it sends pre-encoded frames on
 * `connections` sessions round-robin and checks only the status, so one core can drive a server
 * far harder than a general-purpose client would.
 */
export class GrpcLoadClient {
  readonly #sessions: ClientHttp2Session[];
  #next = 0;

  constructor(url: string, connections = 1) {
    this.#sessions = Array.from({ length: connections }, () => {
      const s = connect(url);
      s.on('error', () => undefined); // each call reports its own failure
      return s;
    });
  }

  /**
   * Calls `path` (e.g. `/etcdserverpb.KV/Put`) with a framed request; resolves with the response
   * bytes. With `timeoutMs`, the deadline is sent to the server (`grpc-timeout`) and enforced
   * here too: the stream is cancelled and the call rejects with status 4 (DEADLINE_EXCEEDED).
   */
  call(path: string, frame: Buffer, timeoutMs?: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const stream = this.#request(path, timeoutMs);
      if (timeoutMs !== undefined) {
        const timer = setTimeout(() => {
          stream.close(constants.NGHTTP2_CANCEL);
          reject(new GrpcCallError(deadlineExceeded, `no answer within ${timeoutMs} ms`));
        }, timeoutMs);
        stream.once('close', () => {
          clearTimeout(timer);
        });
      }
      const chunks: Buffer[] = [];
      let status: number | undefined;
      let message = '';
      const takeStatus = (headers: IncomingHttpHeaders) => {
        const s = headers['grpc-status'];
        if (s !== undefined) {
          status = Number(s);
          message = decodeURIComponent(String(headers['grpc-message'] ?? ''));
        }
      };
      stream.on('response', takeStatus);
      stream.on('trailers', takeStatus);
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', reject);
      stream.on('end', () => {
        if (status === 0) resolve(Buffer.concat(chunks));
        else reject(new GrpcCallError(status ?? -1, message || 'no grpc-status'));
      });
      // A stream reset or a lost connection may close without 'end'; after 'end' this is a no-op.
      stream.once('close', () => {
        reject(new GrpcCallError(status ?? -1, 'the stream closed before its answer'));
      });
      stream.end(frame);
    });
  }

  /**
   * Opens a streaming call (e.g. `/etcdserverpb.Watch/Watch`) and sends `frame` without ending
   * the request; the caller reads the stream's data (see `GrpcMessageReader`) and closes it.
   */
  openStream(path: string, frame: Buffer): ClientHttp2Stream {
    const stream = this.#request(path);
    stream.write(frame);
    return stream;
  }

  #request(path: string, timeoutMs?: number): ClientHttp2Stream {
    const session = this.#sessions[this.#next++ % this.#sessions.length];
    if (session === undefined) throw new Error('GrpcLoadClient has no session');
    return session.request({
      [constants.HTTP2_HEADER_METHOD]: 'POST',
      [constants.HTTP2_HEADER_PATH]: path,
      'content-type': 'application/grpc',
      te: 'trailers',
      ...(timeoutMs === undefined ? {} : { 'grpc-timeout': `${Math.ceil(timeoutMs)}m` }),
    });
  }

  /** Closes every session. */
  close(): void {
    for (const s of this.#sessions) s.close();
  }
}
