// The gateway check for messages that come from outside the process (STYLE.md §8): the
// transport runs every decoded message through `assertValidMessage` before `step`. After it,
// raft trusts the message's shape; whether its content is acceptable is raft's decision.
import { RaftError } from './errors.js';
import {
  entryTypes,
  localMessageTypes,
  messageTypes,
  type ConfState,
  type Entry,
  type Message,
  type Snapshot,
} from './types.js';

const messageTypeSet: ReadonlySet<string> = new Set(messageTypes);
const entryTypeSet: ReadonlySet<string> = new Set(entryTypes);

function fail(what: string): never {
  throw new RaftError({ code: 'INVALID_MESSAGE', message: `invalid message: ${what}` });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isUint(v: unknown): boolean {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

// Fields are read by name, not through a list of names: this runs for every entry of every
// message a member receives, and keyed reads with a computed name cannot be inlined.
function checkUint(v: unknown, name: string): void {
  if (!isUint(v)) fail(`${name} must be a non-negative safe integer`);
}

function checkIds(obj: Record<string, unknown>, field: string): void {
  const v = obj[field];
  if (!Array.isArray(v)) fail(`confState.${field} must be an array`);
  for (const id of v as unknown[]) {
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0) {
      fail(`confState.${field} must hold positive ids`);
    }
  }
}

function checkConfState(v: unknown): asserts v is ConfState {
  if (!isRecord(v)) fail('snapshot.metadata.confState must be an object');
  for (const field of ['voters', 'learners', 'votersOutgoing', 'learnersNext']) checkIds(v, field);
  if (typeof v['autoLeave'] !== 'boolean') fail('confState.autoLeave must be a boolean');
}

function checkEntry(v: unknown): asserts v is Entry {
  if (!isRecord(v)) fail('entry must be an object');
  const e = v as { readonly term: unknown; readonly index: unknown; readonly type: unknown };
  checkUint(e.term, 'entry.term');
  checkUint(e.index, 'entry.index');
  if (typeof e.type !== 'string' || !entryTypeSet.has(e.type)) fail('entry.type is unknown');
  if (!((v as { readonly data: unknown }).data instanceof Uint8Array)) {
    fail('entry.data must be bytes');
  }
}

// Forwarded proposals (MsgProp) carry entries not yet placed in the log: index and term 0.
// Every other message's entries follow `prevIndex` without a gap.
function checkEntries(v: unknown, prevIndex: number, unplaced: boolean): asserts v is Entry[] {
  if (!Array.isArray(v)) fail('entries must be an array');
  let index = prevIndex;
  let term = 0;
  for (const e of v as unknown[]) {
    checkEntry(e);
    if (unplaced) {
      if (e.index !== 0 || e.term !== 0) fail('proposed entries must have index and term 0');
      continue;
    }
    if (e.index !== index + 1) fail(`entries must be contiguous after index ${prevIndex}`);
    if (e.term < term) fail('entry terms must not decrease');
    index = e.index;
    term = e.term;
  }
}

function checkSnapshot(v: unknown): asserts v is Snapshot {
  if (!isRecord(v)) fail('snapshot must be an object');
  if (!(v['data'] instanceof Uint8Array)) fail('snapshot.data must be bytes');
  const meta = v['metadata'];
  if (!isRecord(meta)) fail('snapshot.metadata must be an object');
  checkUint(meta['index'], 'snapshot.metadata.index');
  checkUint(meta['term'], 'snapshot.metadata.term');
  checkConfState(meta['confState']);
}

/**
 * Checks that `m`, decoded from the wire, is a well-formed message a peer may send: a known,
 * non-local type; ids, terms and indexes as non-negative safe integers; entries contiguous
 * after `index` with non-decreasing terms; byte fields as `Uint8Array`.
 *
 * @throws RaftError `INVALID_MESSAGE`, naming the first field that is wrong.
 */
export function assertValidMessage(m: unknown): asserts m is Message {
  if (!isRecord(m)) fail('not an object');
  const type = m['type'];
  if (typeof type !== 'string' || !messageTypeSet.has(type)) fail('type is unknown');
  if (localMessageTypes.has(type as Message['type'])) fail(`${type} is local-only`);
  const f = m as { readonly [K in keyof Message]: unknown };
  checkUint(f.to, 'to');
  checkUint(f.from, 'from');
  checkUint(f.term, 'term');
  checkUint(f.logTerm, 'logTerm');
  checkUint(f.index, 'index');
  checkUint(f.commit, 'commit');
  checkUint(f.rejectHint, 'rejectHint');
  if (f.to === 0 || f.from === 0) fail('to and from must be non-zero');
  if (typeof f.reject !== 'boolean') fail('reject must be a boolean');
  if (!(f.context instanceof Uint8Array)) fail('context must be bytes');
  checkEntries(f.entries, f.index as number, type === 'MsgProp');
  if (f.snapshot !== undefined) checkSnapshot(f.snapshot);
}
