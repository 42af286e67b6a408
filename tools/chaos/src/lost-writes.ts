// Acknowledged writes are never lost: after the run, with every fault healed, a final read of each
// key must still show every write the cluster acknowledged. This is weaker than linearizability
// but needs no search, so it runs on histories of any size, and it names the lost write directly.
import { ChaosError } from './errors.js';
import { validateHistory, type Operation } from './history.js';
import type { ListAppendInput, ListAppendOutput } from './models/list-append.js';
import type { RegisterInput, RegisterOutput } from './models/register.js';

/**
 * One broken promise. `lost`: an acknowledged write is not visible. `phantom`: the final state
 * holds a value no operation wrote. `duplicate`: a list holds one appended value twice.
 */
export interface WriteLoss {
  readonly kind: 'lost' | 'phantom' | 'duplicate';
  readonly key: string;
  readonly value: string | null;
  /** The acknowledged write, for `lost`. */
  readonly opId?: number;
  readonly detail: string;
}

/** A key's value and mod revision as a final read saw them. */
export interface FinalRegister {
  readonly value: string | null;
  readonly modRev?: number;
}

/** True when a register operation was acknowledged as having written `input.value`. */
function isAckedWrite(op: Operation<RegisterInput, RegisterOutput>): boolean {
  if (op.outcome !== 'ok' || op.input.f === 'read') return false;
  if (op.input.f === 'write') return true;
  return op.output !== undefined && 'succeeded' in op.output && op.output.succeeded;
}

/** True when a register operation may have written: acknowledged, or unknown. */
function mayHaveWritten(op: Operation<RegisterInput, RegisterOutput>): boolean {
  return op.input.f !== 'read' && (op.outcome === 'unknown' || isAckedWrite(op));
}

function missingFinal(key: string, opId: number): ChaosError {
  const message = `key ${JSON.stringify(key)} has an acknowledged write (op ${opId}) and no final read`;
  return new ChaosError({ code: 'MISSING_FINAL_READ', message });
}

function valueOf(input: RegisterInput): string | null {
  return input.f === 'read' ? null : input.value;
}

/** Checks one key of a register history against its final read. */
function registerKeyLosses(
  key: string,
  ops: readonly Operation<RegisterInput, RegisterOutput>[],
  ctx: { final: FinalRegister; initial: string | null },
): WriteLoss[] {
  const { final } = ctx;
  const writers = ops.filter((op) => mayHaveWritten(op) && valueOf(op.input) === final.value);
  const losses: WriteLoss[] = [];
  if (writers.length === 0 && final.value !== ctx.initial) {
    losses.push({ kind: 'phantom', key, value: final.value, detail: 'no operation wrote it' });
  }
  // The final value was written no later than its last writer completed (or the initial value is
  // still there); an acknowledged write that started after that instant must have replaced it.
  const writtenByUs = writers.reduce((hi, op) => Math.max(hi, op.completeUs), -Infinity);
  for (const op of ops) {
    if (!isAckedWrite(op)) continue;
    const value = valueOf(op.input);
    const rev = op.output?.modRev;
    if (rev !== undefined && final.modRev !== undefined && rev > final.modRev) {
      const detail = `acknowledged at mod revision ${rev}, final mod revision ${final.modRev}`;
      losses.push({ kind: 'lost', key, value, opId: op.id, detail });
    } else if (value !== final.value && op.invokeUs > writtenByUs) {
      const detail = `started at ${op.invokeUs}us, after the final value's writers had ended`;
      losses.push({ kind: 'lost', key, value, opId: op.id, detail });
    }
  }
  return losses;
}

function groupByKey<TInput extends { readonly key: string }, TOutput>(
  ops: readonly Operation<TInput, TOutput>[],
): Map<string, Operation<TInput, TOutput>[]> {
  const byKey = new Map<string, Operation<TInput, TOutput>[]>();
  for (const op of ops) {
    const list = byKey.get(op.input.key) ?? [];
    list.push(op);
    byKey.set(op.input.key, list);
  }
  return byKey;
}

/**
 * Finds acknowledged register writes (writes, and compare-and-sets that succeeded) that a final
 * read no longer shows: overwritten by nothing that could have come after them, or acknowledged
 * at a mod revision newer than the final one. Also reports final values nobody wrote.
 *
 * @param final the last read of each key, taken after every client stopped and faults healed.
 * @throws ChaosError `MISSING_FINAL_READ` when a key with an acknowledged write has no final read;
 *   `INVALID_HISTORY` for a malformed history.
 */
export function findLostWrites(
  ops: readonly Operation<RegisterInput, RegisterOutput>[],
  final: ReadonlyMap<string, FinalRegister>,
  options: { readonly initial?: string | null } = {},
): WriteLoss[] {
  validateHistory(ops);
  const losses: WriteLoss[] = [];
  const byKey = groupByKey(ops);
  for (const [key, keyOps] of [...byKey].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const acked = keyOps.find(isAckedWrite);
    const seen = final.get(key);
    if (seen === undefined) {
      if (acked !== undefined) throw missingFinal(key, acked.id);
      continue;
    }
    const initial = options.initial ?? null;
    losses.push(...registerKeyLosses(key, keyOps, { final: seen, initial }));
  }
  return losses;
}

/** Checks one key of a list-append history against its final list. */
function appendKeyLosses(
  key: string,
  ops: readonly Operation<ListAppendInput, ListAppendOutput>[],
  final: readonly string[],
): WriteLoss[] {
  const losses: WriteLoss[] = [];
  const possible = new Set<string>();
  for (const op of ops) {
    if (op.input.f === 'append' && op.outcome !== 'fail') possible.add(op.input.value);
  }
  const seen = new Set<string>();
  for (const value of final) {
    if (seen.has(value)) losses.push({ kind: 'duplicate', key, value, detail: 'appears twice' });
    else if (!possible.has(value)) {
      losses.push({ kind: 'phantom', key, value, detail: 'no operation appended it' });
    }
    seen.add(value);
  }
  for (const op of ops) {
    if (op.input.f !== 'append' || op.outcome !== 'ok' || seen.has(op.input.value)) continue;
    const detail = 'acknowledged but absent from the final list';
    losses.push({ kind: 'lost', key, value: op.input.value, opId: op.id, detail });
  }
  return losses;
}

/**
 * Finds acknowledged appends missing from the final list of their key, values in a final list
 * that no append (acknowledged or unknown) wrote, and values that appear twice.
 *
 * @param final the last read of each key, taken after every client stopped and faults healed.
 * @throws ChaosError `MISSING_FINAL_READ` when a key with an acknowledged append has no final read;
 *   `INVALID_HISTORY` for a malformed history.
 */
export function findLostAppends(
  ops: readonly Operation<ListAppendInput, ListAppendOutput>[],
  final: ReadonlyMap<string, readonly string[]>,
): WriteLoss[] {
  validateHistory(ops);
  const losses: WriteLoss[] = [];
  const byKey = groupByKey(ops);
  const keys = new Set([...byKey.keys(), ...final.keys()]);
  for (const key of [...keys].sort()) {
    const keyOps = byKey.get(key) ?? [];
    const seen = final.get(key);
    if (seen === undefined) {
      const acked = keyOps.find((op) => op.input.f === 'append' && op.outcome === 'ok');
      if (acked !== undefined) throw missingFinal(key, acked.id);
      continue;
    }
    losses.push(...appendKeyLosses(key, keyOps, seen));
  }
  return losses;
}
