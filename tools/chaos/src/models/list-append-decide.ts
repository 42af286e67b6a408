// A direct decision procedure for one list-append key, used instead of the search when it
// applies. The search must guess the order of concurrent appends, and with long reads
// overlapping many appends it meets k! orders; but every read shows the order of the appends
// before it, so the order is not a guess. (Jepsen's Elle exploits the same property.)
//
// With unique appended values: every read must be a prefix of the longest read L; the i-th append
// of L is a_i; a read of length m must sit between a_m and a_(m+1); acknowledged appends missing
// from L (extras) come after everything. That is a chain of points, each inside its operation's
// [invoke, complete], with precedences:
//
//   reads(0) <= a_1 <= reads(1) <= a_2 <= ... <= a_n <= reads(n) <= extras
//
// Placing each point as early as it may go (after its release and its predecessors) gives the
// least solution, so a linearization exists iff no earliest point is past its deadline.
// Points may coincide: operations that touch at one instant count as concurrent, as in the search.
import type { Operation } from '../history.js';
import type { KeyDecision } from '../linearizability.js';
import type { ListAppendInput, ListAppendOutput } from './list-append.js';

type Op = Operation<ListAppendInput, ListAppendOutput>;

interface Chain {
  /** Local indices of appends in list order. */
  readonly appends: readonly number[];
  /** Local indices of reads by the length of the list they returned. */
  readonly readsByLength: ReadonlyMap<number, readonly number[]>;
  /** Acknowledged appends no read shows. */
  readonly extras: readonly number[];
}

function isPrefix(short: readonly string[], long: readonly string[]): boolean {
  return short.length <= long.length && short.every((v, i) => v === long[i]);
}

/** Builds the chain, or names the read that makes one impossible. */
function buildChain(ops: readonly Op[]): Chain | { readonly blocking: number } {
  const reads = ops
    .map((op, i) => ({ op, i }))
    .filter(({ op }) => op.input.f === 'read')
    .sort((x, y) => x.op.completeUs - y.op.completeUs);
  let longest: readonly string[] = [];
  for (const { op, i } of reads) {
    const seen = op.output?.values ?? [];
    if (isPrefix(longest, seen)) longest = seen;
    else if (!isPrefix(seen, longest)) return { blocking: i };
  }
  const appenderOf = new Map<string, number>();
  ops.forEach((op, i) => {
    if (op.input.f === 'append') appenderOf.set(op.input.value, i);
  });
  const appends: number[] = [];
  const inList = new Set<number>();
  for (const value of longest) {
    const i = appenderOf.get(value);
    // A phantom or a duplicate: blame the first read that shows it.
    if (i === undefined || inList.has(i)) {
      const shows = reads.find(({ op }) => (op.output?.values ?? []).includes(value));
      return { blocking: shows?.i ?? 0 };
    }
    appends.push(i);
    inList.add(i);
  }
  const readsByLength = new Map<number, number[]>();
  for (const { op, i } of reads) {
    const m = op.output?.values?.length ?? 0;
    const slot = readsByLength.get(m) ?? [];
    slot.push(i);
    readsByLength.set(m, slot);
  }
  const extras = ops.flatMap((op, i) => (op.input.f === 'append' && !inList.has(i) ? [i] : []));
  return { appends, readsByLength, extras };
}

/** Places the chain's points as early as possible; the first point past its deadline blocks. */
function place(ops: readonly Op[], chain: Chain): KeyDecision {
  const order: number[] = [];
  let t = -Infinity;
  const put = (i: number): boolean => {
    const op = ops[i];
    if (op === undefined) return false;
    const at = Math.max(t, op.invokeUs);
    if (at > op.completeUs) return false;
    order.push(i);
    return true;
  };
  const stuck = (i: number): KeyDecision => ({
    verdict: 'violation',
    linearized: order,
    blocking: i,
  });
  for (let m = 0; m <= chain.appends.length; m++) {
    const a = chain.appends[m - 1];
    if (a !== undefined) {
      if (!put(a)) return stuck(a);
      t = Math.max(t, ops[a]?.invokeUs ?? t);
    }
    // Reads of one length are not ordered among themselves; the next append follows them all.
    let slot = t;
    for (const r of chain.readsByLength.get(m) ?? []) {
      if (!put(r)) return stuck(r);
      slot = Math.max(slot, ops[r]?.invokeUs ?? slot);
    }
    t = slot;
  }
  for (const x of chain.extras) if (!put(x)) return stuck(x);
  return { verdict: 'ok', linearized: order };
}

/**
 * Decides one list-append key without search, or returns `undefined` when it does not apply:
 * some outcome is still unknown, or a value is appended twice.
 */
export function decideListAppend(ops: readonly Op[]): KeyDecision | undefined {
  const values = new Set<string>();
  for (const op of ops) {
    if (op.outcome !== 'ok') return undefined;
    if (op.input.f !== 'append') continue;
    if (values.has(op.input.value)) return undefined;
    values.add(op.input.value);
  }
  const chain = buildChain(ops);
  if ('blocking' in chain)
    return { verdict: 'violation', linearized: [], blocking: chain.blocking };
  return place(ops, chain);
}
