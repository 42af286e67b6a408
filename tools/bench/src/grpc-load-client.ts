import { connect, constants, type ClientHttp2Session, type IncomingHttpHeaders } from 'node:http2';

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

  /** Calls `path` (e.g. `/etcdserverpb.KV/Put`) with a framed request; resolves with the response bytes. */
  call(path: string, frame: Buffer): Promise<Buffer> {
    const session = this.#sessions[this.#next++ % this.#sessions.length];
    if (session === undefined) return Promise.reject(new Error('no session'));
    return new Promise((resolve, reject) => {
      const stream = session.request({
        [constants.HTTP2_HEADER_METHOD]: 'POST',
        [constants.HTTP2_HEADER_PATH]: path,
        'content-type': 'application/grpc',
        te: 'trailers',
      });
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
      stream.end(frame);
    });
  }

  /** Closes every session. */
  close(): void {
    for (const s of this.#sessions) s.close();
  }
}
