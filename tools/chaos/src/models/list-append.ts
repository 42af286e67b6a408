// Jepsen's "list append" shape on one key: an append adds a unique element to the key's list (in
// etcd, a Txn that compares the mod revision and puts the extended list); a read returns the whole
// list. Unlike a register, a read shows every append that preceded it, so lost or reordered
// appends are visible long after they happened.
import type { Model } from '../linearizability.js';

/** An operation on a list-valued key. */
export type ListAppendInput =
  | { readonly f: 'append'; readonly key: string; readonly value: string }
  | { readonly f: 'read'; readonly key: string };

/** What an `ok` operation returned: a read returns the list; an append returns nothing. */
export interface ListAppendOutput {
  readonly values?: readonly string[];
}

function readValues(out: ListAppendOutput | undefined): readonly string[] | undefined {
  return out?.values;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** The sequential list-append key: every key starts as the empty list. */
export function listAppendModel(): Model<readonly string[], ListAppendInput, ListAppendOutput> {
  return {
    name: 'list-append',
    init: () => [],
    partition: (input) => input.key,
    isReadOnly: (input) => input.f === 'read',
    step(state, input, out) {
      if (input.f === 'append') return [...state, input.value];
      const seen = readValues(out);
      if (seen === undefined) return state;
      return sameList(seen, state) ? state : undefined;
    },
    stateKey: (s) => JSON.stringify(s),
    invalidOutput(input, out) {
      if (input.f !== 'read') return undefined;
      const seen = readValues(out);
      if (seen === undefined) return 'a read returned no values';
      if (!seen.every((v) => typeof v === 'string')) return 'a read returned a non-string value';
      return undefined;
    },
    describe(input, out) {
      if (input.f === 'append') return `append ${input.value}`;
      const seen = readValues(out);
      return seen === undefined ? 'r ?' : `r [${seen.join(' ')}]`;
    },
  };
}
