// Building messages: one fixed object shape for every message, and the small predicates the
// term checks use.
import type { Entry, Message } from './types.js';

/** The context of a vote that a leadership transfer forces (it bypasses leases). */
export const campaignTransferContext = new Uint8Array([
  0x74, 0x72, 0x61, 0x6e, 0x73, 0x66, 0x65, 0x72,
]);

/** The fields of an outgoing message that are not defaulted. */
export type MessageFields = Partial<Message> & Pick<Message, 'type' | 'to'>;

/** Zero-length bytes shared by every message without a context. */
export const emptyBytes = new Uint8Array(0);

const noEntries: readonly Entry[] = [];

/**
 * Builds a message with every unused field at its zero value. Fields are assigned one by one so
 * every message has the same object shape (this is on the hot path of replication).
 */
export function makeMessage(m: MessageFields, override?: { from: number; term: number }): Message {
  const msg = {
    type: m.type,
    to: m.to,
    from: override?.from ?? m.from ?? 0,
    term: override?.term ?? m.term ?? 0,
    logTerm: m.logTerm ?? 0,
    index: m.index ?? 0,
    entries: m.entries ?? noEntries,
    commit: m.commit ?? 0,
    reject: m.reject ?? false,
    rejectHint: m.rejectHint ?? 0,
    context: m.context ?? emptyBytes,
  };
  return m.snapshot === undefined ? msg : { ...msg, snapshot: m.snapshot };
}

/** Whether a message type is a vote or vote response (these carry an explicit term). */
export function isVoteType(t: Message['type']): boolean {
  return t === 'MsgVote' || t === 'MsgPreVote' || t === 'MsgVoteResp' || t === 'MsgPreVoteResp';
}

/** Byte-wise equality. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}
