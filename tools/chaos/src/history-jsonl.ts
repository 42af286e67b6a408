// Histories as JSON lines: one operation per line, in id order, so a report can be read with
// `grep`/`jq` and fed back to the checkers. JSON has no Infinity: an open-ended completion (an
// unknown outcome) is written as `null`.
import { ChaosError } from './errors.js';
import { validateHistory, type Operation, type Outcome } from './history.js';

/** Encodes a history as JSON lines, one operation per line, each line ending in `\n`. */
export function encodeHistoryJsonl<TInput, TOutput>(
  ops: readonly Operation<TInput, TOutput>[],
): string {
  return ops
    .map((op) => {
      const completeUs = Number.isFinite(op.completeUs) ? op.completeUs : null;
      const line = { id: op.id, process: op.process, invokeUs: op.invokeUs, completeUs };
      const withOutcome = { ...line, outcome: op.outcome, input: op.input };
      return JSON.stringify(
        op.output === undefined ? withOutcome : { ...withOutcome, output: op.output },
      );
    })
    .map((line) => `${line}\n`)
    .join('');
}

const outcomes: readonly string[] = ['ok', 'fail', 'unknown', 'pending'] satisfies (
  Outcome | 'pending'
)[];

function decodeLine(text: string, lineNo: number): Operation<unknown, unknown> {
  const bad = (why: string, cause?: unknown): ChaosError =>
    new ChaosError({ code: 'INVALID_HISTORY', message: `line ${lineNo}: ${why}`, cause });
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw bad('not JSON', e);
  }
  if (typeof raw !== 'object' || raw === null) throw bad('not an object');
  const o = raw as Record<string, unknown>;
  const { id, process, invokeUs, completeUs, outcome, input, output } = o;
  if (typeof id !== 'number' || typeof process !== 'number' || typeof invokeUs !== 'number') {
    throw bad('id, process and invokeUs must be numbers');
  }
  if (completeUs !== null && typeof completeUs !== 'number') throw bad('bad completeUs');
  if (typeof outcome !== 'string' || !outcomes.includes(outcome)) throw bad('bad outcome');
  const op = {
    id,
    process,
    invokeUs,
    completeUs: completeUs ?? Infinity,
    outcome: outcome as Outcome | 'pending',
    input,
  };
  return 'output' in o ? { ...op, output } : op;
}

/**
 * Decodes JSON lines written by `encodeHistoryJsonl` and checks the history's shape. Inputs and
 * outputs come back as parsed JSON: the models check their fields when the history is checked.
 *
 * @throws ChaosError `INVALID_HISTORY` naming the first bad line.
 */
export function decodeHistoryJsonl(text: string): Operation<unknown, unknown>[] {
  const ops = text
    .split('\n')
    .map((line, i) => ({ line, lineNo: i + 1 }))
    .filter(({ line }) => line.trim() !== '')
    .map(({ line, lineNo }) => decodeLine(line, lineNo));
  validateHistory(ops);
  return ops;
}
