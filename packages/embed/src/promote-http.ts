// A learner's promotion forwarded from a follower to the leader over the peer listener, on
// etcd's path: `POST /members/promote/<id in decimal>` (only the leader knows whether the
// learner has caught up). The leader answers 200 with the member list, 503 when it does not
// lead (the follower looks for the leader again), and for a refusal etcd's status (404 member
// not found, 412 not a learner or not ready, 409 any other) with `{ code, message }`, which the
// follower rebuilds as the same EmbedError (STYLE.md §5: errors travel as code and message).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Member } from './cluster-api.js';
import { EmbedError, embedErrorCodes, isEmbedError, type EmbedErrorCode } from './errors.js';
import type { ForwardDecode } from './leader-forwarder.js';

/** The path prefix of a forwarded promotion (etcd's peerMemberPromotePrefix). */
export const promotePathPrefix = '/members/promote/';

/** The path that promotes learner `id`. */
export function promotePath(id: number): string {
  return `${promotePathPrefix}${id}`;
}

/** Promotes a learner on this member when it leads; throws LEADER_REQUIRED otherwise. */
export type PromoteOnLeader = (id: number) => Promise<readonly Member[]>;

/** Codes after which the follower looks for the leader again rather than failing. */
const askAgain: ReadonlySet<EmbedErrorCode> = new Set(['LEADER_REQUIRED', 'NOT_LEADER', 'STOPPED']);

function statusOf(code: EmbedErrorCode): number {
  if (askAgain.has(code)) return 503;
  if (code === 'MEMBER_NOT_FOUND') return 404;
  if (code === 'MEMBER_NOT_LEARNER' || code === 'LEARNER_NOT_READY') return 412;
  return 409;
}

function answer(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function serve(res: ServerResponse, id: number, promote: PromoteOnLeader): Promise<void> {
  try {
    answer(res, 200, { members: await promote(id) });
  } catch (e) {
    if (!isEmbedError(e)) throw e;
    answer(res, statusOf(e.code), { code: e.code, message: e.message });
  }
}

/**
 * The peer listener's promotion handler: true when the request was on the promotion path and is
 * answered. `promote` is undefined while the member is starting (answered 503).
 */
export function handlePromoteHttp(
  req: IncomingMessage,
  res: ServerResponse,
  promote: () => PromoteOnLeader | undefined,
): boolean {
  const url = req.url ?? '';
  if (!url.startsWith(promotePathPrefix)) return false;
  const digits = url.slice(promotePathPrefix.length);
  const id = /^[0-9]{1,16}$/.test(digits) ? Number(digits) : 0;
  const leader = promote();
  if (req.method !== 'POST') answer(res, 405, { message: 'method not allowed' });
  else if (!Number.isSafeInteger(id) || id <= 0) answer(res, 400, { message: 'bad member ID' });
  else if (leader === undefined) answer(res, 503, { code: 'NOT_LEADER', message: 'starting' });
  else {
    serve(res, id, leader).catch((e: unknown) => {
      answer(res, 500, { message: e instanceof Error ? e.message : String(e) });
    });
  }
  return true;
}

function isMemberList(v: unknown): v is { members: Member[] } {
  const w = v as { members?: unknown } | null;
  return typeof w === 'object' && w !== null && Array.isArray(w.members);
}

/** The follower's reading of the leader's answer (see the file comment). */
export const decodePromoteAnswer: ForwardDecode<readonly Member[]> = ({ status, text }) => {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined; // not an answer of a member: look for the leader again
  }
  if (status === 200) return isMemberList(body) ? body.members : undefined;
  const { code, message } = (body ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code !== 'string' || !(code in embedErrorCodes)) return undefined;
  const known = code as EmbedErrorCode;
  if (askAgain.has(known)) return undefined;
  throw new EmbedError({ code: known, message: typeof message === 'string' ? message : code });
};
