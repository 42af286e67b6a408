// Plain HTTP requests from one member to another's peer listener (a joining member asking for
// the member list, a follower forwarding a lease request or a promotion to the leader), as etcd
// members call each other's peer URLs. Over https peer URLs the member's peer TLS is used: its
// trusted CA verifies the other member, and its certificate is presented, so a member that
// requires client certificates (peer mutual TLS) accepts the call.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { LoadedTls } from '@keel/raft-transport-ws';
import type { Clock } from './clock.js';

/** One HTTP answer: status and body text. */
export interface PeerAnswer {
  readonly status: number;
  readonly text: string;
}

/** One request: where, how, and its bounds. */
export interface PeerRequest {
  readonly url: URL;
  readonly method: 'GET' | 'POST';
  /** Sent as JSON. */
  readonly body?: object;
  /** The request fails once this much time passed without a complete answer. */
  readonly waitMs: number;
  /** A longer answer fails the request. */
  readonly answerBytesMax: number;
}

function readAnswer(res: IncomingMessage, answerBytesMax: number): Promise<PeerAnswer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > answerBytesMax) {
        res.destroy(new Error(`the answer is larger than ${answerBytesMax} bytes`));
        return;
      }
      parts.push(chunk);
    });
    res.on('end', () => {
      resolve({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString('utf8') });
    });
    res.on('error', reject);
  });
}

/** Requests to peer listeners over kept-alive connections; see the file comment. */
export class PeerClient {
  readonly #agent: HttpAgent;
  readonly #tls: boolean;
  readonly #clock: Clock;

  /** `tls`: the member's peer TLS when its peer URLs are https; `socketsMax` per peer. */
  constructor(o: { tls: LoadedTls | undefined; clock: Clock; socketsMax: number }) {
    const { tls } = o;
    this.#tls = tls !== undefined;
    this.#clock = o.clock;
    const common = { keepAlive: true, maxSockets: o.socketsMax };
    this.#agent =
      tls === undefined
        ? new HttpAgent(common)
        : new HttpsAgent({
            ...common,
            cert: tls.cert,
            key: tls.key,
            ...(tls.ca ? { ca: tls.ca } : {}),
          });
  }

  /** Sends `r`; resolves with any answer, rejects when the connection fails or `waitMs` passes. */
  request(r: PeerRequest): Promise<PeerAnswer> {
    const json = r.body === undefined ? undefined : JSON.stringify(r.body);
    const send = this.#tls ? httpsRequest : httpRequest;
    const headers =
      json === undefined
        ? {}
        : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) };
    return new Promise((resolve, reject) => {
      const req = send(r.url, { method: r.method, agent: this.#agent, headers });
      const cancel = this.#clock.after(Math.max(0, r.waitMs), () => {
        req.destroy(new Error(`no answer from ${r.url.origin} within ${r.waitMs} ms`));
      });
      req.on('response', (res) => {
        readAnswer(res, r.answerBytesMax).then(resolve, reject).finally(cancel);
      });
      req.on('error', (e) => {
        cancel();
        reject(e);
      });
      req.end(json);
    });
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.#agent.destroy();
  }
}
