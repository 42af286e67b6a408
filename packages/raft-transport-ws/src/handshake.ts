// The hello/welcome exchange that opens every peer connection, and the close codes that refuse
// one. The server checks everything about the client; the client then checks that the server is
// the member of the cluster it meant to reach. Tokens are compared in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';
import { connPurposes, controlFrame, decodeControl, frameKinds, protocolVersion } from './codec.js';
import type { TransportContext } from './context.js';

/** WebSocket close codes the transport uses (4000-4999 is the application range). */
export const closeCodes = {
  /** The process is closing the transport. */
  GOING_AWAY: 1001,
  /** ws itself closes with this when a frame exceeds maxPayload. */
  MESSAGE_TOO_BIG: 1009,
  VERSION_MISMATCH: 4001,
  CLUSTER_ID_MISMATCH: 4002,
  TOKEN_MISMATCH: 4003,
  /** The sender is not a member this transport knows. */
  MEMBER_UNKNOWN: 4004,
  /** The connection reached a member other than the one it was meant for. */
  MEMBER_MISMATCH: 4005,
  DECODE_FAILED: 4006,
  HANDSHAKE_TIMEOUT: 4007,
  /** A newer stream connection from the same member took this one's place. */
  REPLACED: 4008,
  SNAPSHOT_FAILED: 4009,
  /** The member was removed from this transport's peers. */
  PEER_REMOVED: 4010,
  /**
   * The sender was removed from the cluster (etcd answers such a member's requests with HTTP 410
   * Gone); it must stop, as it can never rejoin with its ID.
   */
  MEMBER_REMOVED: 4011,
} as const;

const refusalCodes: ReadonlySet<number> = new Set([
  closeCodes.VERSION_MISMATCH,
  closeCodes.CLUSTER_ID_MISMATCH,
  closeCodes.TOKEN_MISMATCH,
  closeCodes.MEMBER_UNKNOWN,
  closeCodes.MEMBER_MISMATCH,
  closeCodes.MEMBER_REMOVED,
]);

/** True when `code` is a handshake refusal (retrying without a config change cannot help). */
export function isRefusalCode(code: number): boolean {
  return refusalCodes.has(code);
}

/** What a connection opening announces. */
export interface Hello {
  readonly from: number;
  readonly to: number;
  readonly purpose: number;
}

/** The result of checking a HELLO: accepted, or refused with a close code and a reason. */
export type HelloCheck =
  | { readonly ok: true; readonly hello: Hello }
  | {
      readonly ok: false;
      readonly closeCode: number;
      readonly reason: string;
      readonly from: unknown;
    };

/** The HELLO frame a client sends to member `to` for `purpose`. */
export function helloFrame(ctx: TransportContext, to: number, purpose: number): Buffer {
  return controlFrame(frameKinds.HELLO, [
    protocolVersion,
    ctx.clusterId,
    ctx.clusterToken,
    ctx.memberId,
    to,
    purpose,
  ]);
}

/** The WELCOME frame a server answers an accepted HELLO with. */
export function welcomeFrame(ctx: TransportContext): Buffer {
  return controlFrame(frameKinds.WELCOME, [protocolVersion, ctx.clusterId, ctx.memberId]);
}

function sameSecret(a: string, b: string): boolean {
  // Hash first so lengths match and timingSafeEqual leaks nothing about the length either.
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

function refuse(closeCode: number, reason: string, from: unknown): HelloCheck {
  return { ok: false, closeCode, reason, from };
}

/** Who may connect: the current peers, and the members removed from the cluster. */
export interface PeerCheck {
  isKnown(id: number): boolean;
  isRemoved(id: number): boolean;
}

/**
 * Checks a HELLO payload against this member. Decoding errors propagate as `DECODE_FAILED`.
 * Reasons are short enough for a close frame (123 bytes).
 */
export function checkHello(
  ctx: TransportContext,
  payload: Uint8Array,
  peers: PeerCheck,
): HelloCheck {
  const [version, clusterId, token, from, to, purpose] = decodeControl(payload, 6, 'hello');
  if (version !== protocolVersion) {
    return refuse(
      closeCodes.VERSION_MISMATCH,
      `protocol version ${String(version)} is not ${protocolVersion}`,
      from,
    );
  }
  if (clusterId !== ctx.clusterId) {
    return refuse(closeCodes.CLUSTER_ID_MISMATCH, 'cluster ID mismatch', from);
  }
  if (typeof token !== 'string' || !sameSecret(token, ctx.clusterToken)) {
    return refuse(closeCodes.TOKEN_MISMATCH, 'cluster token mismatch', from);
  }
  if (to !== ctx.memberId) {
    return refuse(
      closeCodes.MEMBER_MISMATCH,
      `this is member ${ctx.memberId}, not ${String(to)}`,
      from,
    );
  }
  if (typeof from === 'number' && !peers.isKnown(from) && peers.isRemoved(from)) {
    return refuse(closeCodes.MEMBER_REMOVED, `member ${from} was removed from the cluster`, from);
  }
  if (typeof from !== 'number' || !peers.isKnown(from)) {
    return refuse(closeCodes.MEMBER_UNKNOWN, `member ${String(from)} is not a known peer`, from);
  }
  if (purpose !== connPurposes.STREAM && purpose !== connPurposes.SNAPSHOT) {
    return refuse(closeCodes.DECODE_FAILED, 'unknown connection purpose', from);
  }
  return { ok: true, hello: { from, to, purpose } };
}

/**
 * Checks a WELCOME payload: the server must speak our version, be in our cluster and be the
 * member we dialled. Returns a refusal reason, or undefined when it is the right member.
 */
export function checkWelcome(
  ctx: TransportContext,
  payload: Uint8Array,
  peer: number,
): { closeCode: number; reason: string } | undefined {
  const [version, clusterId, memberId] = decodeControl(payload, 3, 'welcome');
  if (version !== protocolVersion) {
    return { closeCode: closeCodes.VERSION_MISMATCH, reason: 'protocol version mismatch' };
  }
  if (clusterId !== ctx.clusterId) {
    return { closeCode: closeCodes.CLUSTER_ID_MISMATCH, reason: 'cluster ID mismatch' };
  }
  if (memberId !== peer) {
    return { closeCode: closeCodes.MEMBER_MISMATCH, reason: `reached member ${String(memberId)}` };
  }
  return undefined;
}
