// etcd clients for the runner: the `etcd3` package with its fault handling turned off. Its
// default policy retries failed calls on another host, which would turn one recorded operation
// into several attempts (a compare-and-set retried after a lost reply would report "failed" for a
// write that happened). Here one call is one attempt with a deadline, and the runner decides what
// an error means for the history.
import { noop } from 'cockatiel';
import { Etcd3 } from 'etcd3';
import { callTimeoutMs } from '../limits.js';

/** A client that talks to the given members only, without retries, each call bounded. */
export function connectClient(clientUrls: readonly string[]): Etcd3 {
  return new Etcd3({
    hosts: clientUrls.map((u) => u.replace(/^https?:\/\//, '')),
    faultHandling: { host: () => noop, global: noop },
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + callTimeoutMs }),
    grpcOptions: {
      // Reconnect to a restarted member quickly instead of backing off for up to two minutes.
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 1000,
    },
  });
}

/**
 * What a failed call means for a write. `fail`: the request certainly took no effect, because it
 * never reached a server (the connection was refused) or a learner refused it before doing
 * anything (etcd serves no writes on a learner). `unknown`: anything else (a deadline, a reset
 * connection, a leader change, a server-side timeout): it may or may not have taken effect.
 */
export function writeErrorOutcome(e: unknown): 'fail' | 'unknown' {
  const text = e instanceof Error ? e.message : String(e);
  return /ECONNREFUSED|No connection established|rpc not supported for learner/.test(text)
    ? 'fail'
    : 'unknown';
}

/** Resolves after `ms`, or at once when `signal` is aborted. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** A key's bytes or text as a string (etcd3 hands out Buffers). */
export function text(b: Buffer | string | undefined): string {
  return b === undefined ? '' : b.toString();
}
