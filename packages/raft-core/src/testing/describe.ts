// Stable one-line descriptions of raft data for transcripts (STYLE.md §4 `describe*`).
import type { ConfState, Entry, HardState, Message, Snapshot, SoftState } from '../types.js';
import { decodeConfChange } from '../conf-change-codec.js';

/** Printable bytes as text, others as `\\xNN`. */
export function describeBytes(data: Uint8Array): string {
  let s = '';
  for (const b of data)
    s += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16)}`;
  return s;
}

/** `v1 v2 l3` style description of a conf change payload. */
export function describeConfChangeData(data: Uint8Array): string {
  const cc = decodeConfChange(data);
  const prefix = { AddNode: 'v', RemoveNode: 'r', AddLearnerNode: 'l' } as const;
  const parts = cc.changes.map((c) => `${prefix[c.type]}${String(c.nodeId)}`);
  if (cc.transition !== 'auto') parts.unshift(cc.transition);
  return parts.length === 0 ? 'leave-joint' : parts.join(' ');
}

/** `1/3 EntryNormal "data"` */
export function describeEntry(e: Entry): string {
  const id = `${String(e.term)}/${String(e.index)}`;
  if (e.type === 'EntryConfChange')
    return `${id} EntryConfChange ${describeConfChangeData(e.data)}`;
  return `${id} EntryNormal "${describeBytes(e.data)}"`;
}

/** `voters=(1 2 3) learners=(4)` */
export function describeConfState(cs: ConfState): string {
  let s = `voters=(${cs.voters.join(' ')})`;
  if (cs.votersOutgoing.length > 0) s += `&&(${cs.votersOutgoing.join(' ')})`;
  if (cs.learners.length > 0) s += ` learners=(${cs.learners.join(' ')})`;
  if (cs.learnersNext.length > 0) s += ` learners_next=(${cs.learnersNext.join(' ')})`;
  if (cs.autoLeave) s += ' autoleave';
  return s;
}

/** `Term:1 Vote:2 Commit:3` */
export function describeHardState(hs: HardState): string {
  return `Term:${String(hs.term)} Vote:${String(hs.vote)} Commit:${String(hs.commit)}`;
}

/** `Lead:1 State:StateLeader` */
export function describeSoftState(ss: SoftState): string {
  return `Lead:${String(ss.lead)} State:${ss.raftState}`;
}

/** `Index:5 Term:2 ConfState:voters=(1 2 3)` */
export function describeSnapshot(s: Snapshot): string {
  const m = s.metadata;
  return `Index:${String(m.index)} Term:${String(m.term)} ConfState:${describeConfState(m.confState)}`;
}

/** `1->2 MsgApp Term:1 Log:1/3 Commit:3 Entries:[1/4 EntryNormal "x"]` */
export function describeMessage(m: Message): string {
  let s = `${String(m.from)}->${String(m.to)} ${m.type} Term:${String(m.term)} Log:${String(m.logTerm)}/${String(m.index)}`;
  if (m.reject) s += ` Rejected (Hint: ${String(m.rejectHint)})`;
  if (m.commit !== 0) s += ` Commit:${String(m.commit)}`;
  if (m.entries.length > 0) s += ` Entries:[${m.entries.map(describeEntry).join(', ')}]`;
  if (m.context.byteLength > 0) s += ` Context:"${describeBytes(m.context)}"`;
  if (m.snapshot !== undefined) s += ` Snapshot: ${describeSnapshot(m.snapshot)}`;
  return s;
}
