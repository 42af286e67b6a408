// Lease requests forwarded between members over the peer listener, on etcd's paths: a follower
// POSTs a keep-alive to `/leases` and a time-to-live to `/leases/internal` on the leader's peer
// URL. The leader answers 200 with the result, 404 for a lease that does not exist (etcd's
// "lease not found"), and 503 when it does not lead (the follower looks for the leader again).
// Bodies are JSON (lease IDs are below 2^53; keys travel as base64), not etcd's protobuf: only
// Keel members talk to each other here.
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  isMvccError,
  type LeaseTimeToLiveRequest,
  type LeaseTimeToLiveResponse,
} from '@keel/kv-mvcc';
import { isEmbedError } from './errors.js';
import type { LeaseLeaderOps, RenewedLease } from './lease-leader.js';
import { leaseForwardRequestBytesMax } from './limits.js';

/** The peer listener's lease paths (etcd's leasehttp prefixes). */
export const leasePaths = { keepAlive: '/leases', timeToLive: '/leases/internal' } as const;

/** A time-to-live answer as it travels: keys in base64. */
export interface TimeToLiveWire {
  readonly ID: number;
  readonly TTL: number;
  readonly grantedTTL: number;
  readonly keys: readonly string[];
  readonly revision: number;
}

/** Encodes the leader's time-to-live answer for the wire. */
export function timeToLiveToWire(r: LeaseTimeToLiveResponse): TimeToLiveWire {
  const keys = r.keys.map((k) => Buffer.from(k).toString('base64'));
  return { ID: r.ID, TTL: r.TTL, grantedTTL: r.grantedTTL, keys, revision: r.revision };
}

/** Decodes a time-to-live answer; undefined when it is not one. */
export function timeToLiveFromWire(v: unknown): LeaseTimeToLiveResponse | undefined {
  const w = v as Partial<TimeToLiveWire> | null;
  if (w === null || typeof w !== 'object' || !Array.isArray(w.keys)) return undefined;
  const nums = [w.ID, w.TTL, w.grantedTTL, w.revision];
  if (!nums.every((n) => Number.isSafeInteger(n))) return undefined;
  if (!w.keys.every((k) => typeof k === 'string')) return undefined;
  return {
    ID: w.ID as number,
    TTL: w.TTL as number,
    grantedTTL: w.grantedTTL as number,
    keys: w.keys.map((k) => Buffer.from(k, 'base64')),
    revision: w.revision as number,
  };
}

/** Decodes a keep-alive answer; undefined when it is not one. */
export function renewedFromWire(v: unknown): RenewedLease | undefined {
  const w = v as Partial<RenewedLease> | null;
  if (w === null || typeof w !== 'object') return undefined;
  if (!Number.isSafeInteger(w.ID) || !Number.isSafeInteger(w.TTL)) return undefined;
  return { ID: w.ID as number, TTL: w.TTL as number };
}

/** A lease request's body; undefined when it is not `{ ID, keys? }` with a valid ID. */
function requestFromWire(v: unknown): LeaseTimeToLiveRequest | undefined {
  const w = v as { ID?: unknown; keys?: unknown } | null;
  if (w === null || typeof w !== 'object') return undefined;
  if (typeof w.ID !== 'number' || !Number.isSafeInteger(w.ID) || w.ID < 0) return undefined;
  return { ID: w.ID, keys: w.keys === true };
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit the rest is not kept; the answer is 413 (Node closes the connection).
      if (size > leaseForwardRequestBytesMax) resolve(undefined);
      else parts.push(chunk);
    });
    req.on('end', () => {
      resolve(Buffer.concat(parts).toString('utf8'));
    });
    req.on('error', reject);
  });
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  const json = typeof body === 'string' ? body : JSON.stringify(body);
  const type = typeof body === 'string' ? 'text/plain' : 'application/json';
  res.writeHead(status, { 'content-type': type }).end(json);
}

async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  ops: () => LeaseLeaderOps | undefined,
): Promise<void> {
  if (req.method !== 'POST') {
    answer(res, 405, 'method not allowed');
    return;
  }
  const text = await readBody(req);
  if (text === undefined) {
    answer(res, 413, `lease request larger than ${String(leaseForwardRequestBytesMax)} bytes`);
    return;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined; // answered 400 below, as any other body that is not a lease request
  }
  const request = requestFromWire(parsed);
  if (request === undefined) {
    answer(res, 400, 'bad lease request: expected a JSON body {"ID": <lease ID>}');
    return;
  }
  const leader = ops();
  if (leader === undefined) {
    answer(res, 503, 'not leader'); // still starting: the asking member tries again
    return;
  }
  try {
    if (req.url === leasePaths.keepAlive) answer(res, 200, await leader.keepAlive(request.ID));
    else answer(res, 200, timeToLiveToWire(await leader.timeToLive(request)));
  } catch (e) {
    if (isMvccError(e, 'LEASE_NOT_FOUND')) answer(res, 404, 'lease not found');
    else if (isEmbedError(e, 'NOT_LEADER')) answer(res, 503, 'not leader');
    else answer(res, 500, e instanceof Error ? e.message : String(e));
  }
}

/**
 * The peer listener's lease handler: true when the request was on a lease path and is answered.
 * `ops` gives the member's leader-side lease answers (they refuse with NOT_LEADER off the leader),
 * or undefined while the member is starting.
 */
export function handleLeaseHttp(
  req: IncomingMessage,
  res: ServerResponse,
  ops: () => LeaseLeaderOps | undefined,
): boolean {
  if (req.url !== leasePaths.keepAlive && req.url !== leasePaths.timeToLive) return false;
  serve(req, res, ops).catch((e: unknown) => {
    // A failed read of the body (the peer hung up): nothing can be answered any more.
    res.destroy(e instanceof Error ? e : undefined);
  });
  return true;
}
