// A per-key register as etcd serves it: Range reads, Put writes, and a Txn that compares either
// the value or the key's mod revision before a Put (compare-and-set).
import type { Model } from '../linearizability.js';

/** An operation on a register. A `null` value means the key does not exist. */
export type RegisterInput =
  | { readonly f: 'read'; readonly key: string }
  | { readonly f: 'write'; readonly key: string; readonly value: string }
  | {
      readonly f: 'cas';
      readonly key: string;
      /** The Txn's compare: on the value (`null`: the key is absent) or on the mod revision. */
      readonly expect: { readonly value: string | null } | { readonly modRev: number };
      readonly value: string;
    };

/**
 * What an `ok` register operation returned. `modRev` is optional everywhere: when present it is
 * the key's mod revision after the operation (etcd's `kv.mod_revision` for a read, the response
 * header's revision for a write or a successful Txn) and the model checks it too.
 */
export type RegisterOutput =
  | { readonly value: string | null; readonly modRev?: number }
  | { readonly succeeded: boolean; readonly modRev?: number }
  | { readonly modRev?: number };

/**
 * The register's state. `modRev` is `null` when it is not known: after a write with an unknown
 * outcome or no reported revision. A compare on an unknown revision may then go either way, so the
 * model accepts both branches (sound: it can only accept more, never reject a good history).
 */
export interface RegisterState {
  readonly value: string | null;
  readonly modRev: number | null;
}

function outValue(out: RegisterOutput | undefined): string | null | undefined {
  return out !== undefined && 'value' in out ? out.value : undefined;
}

function outSucceeded(out: RegisterOutput | undefined): boolean | undefined {
  return out !== undefined && 'succeeded' in out ? out.succeeded : undefined;
}

/** The state after a write that reports `modRev`, or undefined when revisions went backwards. */
function written(state: RegisterState, value: string, modRev: number | undefined) {
  if (modRev === undefined) return { value, modRev: null };
  if (state.modRev !== null && modRev <= state.modRev) return undefined;
  return { value, modRev };
}

/** Whether the compare holds: true, false, or null when it depends on an unknown revision. */
function compares(state: RegisterState, expect: { value: string | null } | { modRev: number }) {
  if ('value' in expect) return state.value === expect.value;
  return state.modRev === null ? null : state.modRev === expect.modRev;
}

function stepRead(state: RegisterState, out: RegisterOutput | undefined) {
  if (out === undefined) return state;
  if (outValue(out) !== state.value) return undefined;
  if (out.modRev === undefined) return state;
  if (state.modRev !== null && state.modRev !== out.modRev) return undefined;
  return { value: state.value, modRev: out.modRev };
}

function stepCas(
  state: RegisterState,
  input: Extract<RegisterInput, { f: 'cas' }>,
  out: RegisterOutput | undefined,
): RegisterState | undefined {
  const holds = compares(state, input.expect);
  // An unknown outcome only matters when it took effect; not taking effect is never linearizing.
  const succeeded = out === undefined ? true : outSucceeded(out);
  if (succeeded === true)
    return holds === false ? undefined : written(state, input.value, out?.modRev);
  return holds === true ? undefined : state;
}

function describeExpect(expect: { value: string | null } | { modRev: number }): string {
  return 'value' in expect ? String(expect.value) : `@${expect.modRev}`;
}

/** Options of `registerModel`. */
export interface RegisterModelOptions {
  /** The value every key holds before the history starts; default `null` (absent). */
  readonly initial?: string | null;
}

/**
 * The sequential register of etcd keys: read, write, and compare-and-set on the value or on the
 * mod revision. Mod revisions, when reported, must increase with every write of a key.
 */
export function registerModel(
  options: RegisterModelOptions = {},
): Model<RegisterState, RegisterInput, RegisterOutput> {
  const initial = options.initial ?? null;
  return {
    name: 'register',
    init: () => ({ value: initial, modRev: initial === null ? 0 : null }),
    partition: (input) => input.key,
    isReadOnly: (input) => input.f === 'read',
    step(state, input, out) {
      switch (input.f) {
        case 'read':
          return stepRead(state, out);
        case 'write':
          return written(state, input.value, out?.modRev);
        case 'cas':
          return stepCas(state, input, out);
      }
    },
    stateKey: (s) => `${s.modRev ?? '?'}:${JSON.stringify(s.value)}`,
    invalidOutput(input, out) {
      if (out?.modRev !== undefined && (!Number.isSafeInteger(out.modRev) || out.modRev < 0)) {
        return 'modRev is not a safe integer >= 0';
      }
      if (input.f === 'read' && outValue(out) === undefined) return 'a read returned no value';
      if (input.f === 'cas' && outSucceeded(out) === undefined) return 'a cas has no succeeded';
      return undefined;
    },
    // Written values are the ids a later read (or a cas comparing the value) can show; they must
    // be unique per key for this to prune anything, which the checker verifies.
    writeId: (input) => (input.f === 'read' || input.value === initial ? undefined : input.value),
    observedIds(input, out) {
      const seen = input.f === 'read' ? outValue(out) : undefined;
      if (seen !== undefined && seen !== null) return [seen];
      const casSeen = input.f === 'cas' && outSucceeded(out) === true && 'value' in input.expect;
      return casSeen && input.expect.value !== null ? [input.expect.value] : [];
    },
    // Without compare-and-set, an unseen write only changes what reads return (and no read saw
    // it); a failed cas, though, may need it to explain why its compare failed.
    canDropUnobserved: (inputs) => inputs.every((input) => input.f !== 'cas'),
    describe(input, out) {
      const rev = out?.modRev === undefined ? '' : ` @${out.modRev}`;
      switch (input.f) {
        case 'read':
          return out === undefined ? 'r ?' : `r ${String(outValue(out))}${rev}`;
        case 'write':
          return `w ${input.value}${rev}`;
        case 'cas': {
          const result = out === undefined ? '?' : outSucceeded(out) === true ? 'ok' : 'no';
          return `cas ${describeExpect(input.expect)}->${input.value} ${result}${rev}`;
        }
      }
    },
  };
}
