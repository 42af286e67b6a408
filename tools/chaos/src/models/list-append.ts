// Jepsen's "list append" shape on one key: an append adds a unique element to the key's list (in
// etcd, a Txn that compares the mod revision and puts the extended list); a read returns the whole
// list. Unlike a register, a read shows every append that preceded it, so lost or reordered
// appends are visible long after they happened.
//
// States are hash-consed: every distinct list is one `ListNode`, made once from its parent and
// last element, so an append is O(1), the memo key is the node's number, and a read compares one
// node with the node of the list it returned:
//
//   []  --a-->  [a] (#1)  --b-->  [a b] (#2)
//                         --c-->  [a c] (#3)
import type { Model } from '../linearizability.js';
import { decideListAppend } from './list-append-decide.js';

/** An operation on a list-valued key. */
export type ListAppendInput =
  | { readonly f: 'append'; readonly key: string; readonly value: string }
  | { readonly f: 'read'; readonly key: string };

/** What an `ok` operation returned: a read returns the list; an append returns nothing. */
export interface ListAppendOutput {
  readonly values?: readonly string[];
}

/** One list, shared by every state equal to it. Invariant: same (parent, last) => same node. */
export interface ListNode {
  readonly id: number;
  readonly parent: ListNode | undefined;
  readonly last: string | undefined;
  readonly length: number;
}

/** The table of every list made so far, owned by one model instance. */
class ListTable {
  readonly root: ListNode = { id: 0, parent: undefined, last: undefined, length: 0 };
  readonly #children = new Map<ListNode, Map<string, ListNode>>();
  readonly #reads = new WeakMap<readonly string[], ListNode>();
  #count = 1;

  append(list: ListNode, value: string): ListNode {
    const children = this.#children.get(list) ?? new Map<string, ListNode>();
    this.#children.set(list, children);
    const known = children.get(value);
    if (known !== undefined) return known;
    const node = { id: this.#count++, parent: list, last: value, length: list.length + 1 };
    children.set(value, node);
    return node;
  }

  /** The node of a list a read returned, built once per output array. */
  nodeOf(values: readonly string[]): ListNode {
    const cached = this.#reads.get(values);
    if (cached !== undefined) return cached;
    const node = values.reduce((list, v) => this.append(list, v), this.root);
    this.#reads.set(values, node);
    return node;
  }
}

function describeList(list: ListNode): string {
  const values: string[] = [];
  for (let n: ListNode | undefined = list; n?.last !== undefined; n = n.parent) values.push(n.last);
  return `[${values.reverse().join(' ')}]`;
}

/**
 * The sequential list-append key: every key starts as the empty list. Each call makes a model
 * with its own table of lists; use one per check.
 */
export function listAppendModel(): Model<ListNode, ListAppendInput, ListAppendOutput> {
  const table = new ListTable();
  return {
    name: 'list-append',
    init: () => table.root,
    partition: (input) => input.key,
    isReadOnly: (input) => input.f === 'read',
    step(state, input, out) {
      if (input.f === 'append') return table.append(state, input.value);
      const seen = out?.values;
      if (seen === undefined) return state;
      return table.nodeOf(seen) === state ? state : undefined;
    },
    stateKey: (s) => String(s.id),
    invalidOutput(input, out) {
      if (input.f !== 'read') return undefined;
      const seen = out?.values;
      if (seen === undefined) return 'a read returned no values';
      if (!seen.every((v) => typeof v === 'string')) return 'a read returned a non-string value';
      return undefined;
    },
    describe(input, out) {
      if (input.f === 'append') return `append ${input.value}`;
      const seen = out?.values;
      return seen === undefined ? 'r ?' : describeList(table.nodeOf(seen));
    },
    writeId: (input) => (input.f === 'append' ? input.value : undefined),
    observedIds: (input, out) => (input.f === 'read' ? (out?.values ?? []) : []),
    // An append no read shows must come after every read of the key: dropping it changes nothing.
    canDropUnobserved: () => true,
    decide: decideListAppend,
  };
}
