// Violation reports: on any failed check the runner writes the evidence to a directory, so a
// failure in CI can be read without rerunning it. `history.jsonl` holds the whole history (it
// can be fed back to the checkers); one `timeline-<key>.html` per offending key draws it.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeHistoryJsonl } from './history-jsonl.js';
import type { Operation } from './history.js';
import type { LinearizabilityResult, Model } from './linearizability.js';
import type { WriteLoss } from './lost-writes.js';
import { renderTimeline } from './timeline-html.js';
import type { WatcherLog, WatchViolation } from './watch-checker.js';

/** The files a report wrote, as absolute or `dir`-relative paths (as `dir` was given). */
export interface ReportFiles {
  readonly historyPath: string;
  readonly timelinePaths: readonly string[];
}

/** A file name for a key: safe characters kept, the rest replaced, made unique by `used`. */
function timelineName(key: string, used: Set<string>): string {
  const safe = key.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 80) || '_';
  let name = `timeline-${safe}.html`;
  for (let n = 2; used.has(name); n++) name = `timeline-${safe}-${n}.html`;
  used.add(name);
  return name;
}

async function writeHistory(dir: string, ops: readonly Operation<unknown, unknown>[]) {
  await mkdir(dir, { recursive: true });
  const historyPath = join(dir, 'history.jsonl');
  await writeFile(historyPath, encodeHistoryJsonl(ops));
  return historyPath;
}

/**
 * Writes the history and, for every key whose verdict is not `ok`, an HTML timeline with the
 * violating region shaded and the blocking operation marked. Creates `dir` if needed.
 *
 * @returns the paths written; no timeline when every key is `ok`.
 */
export async function writeViolationReport<TState, TInput, TOutput>(
  dir: string,
  report: {
    readonly model: Model<TState, TInput, TOutput>;
    readonly ops: readonly Operation<TInput, TOutput>[];
    readonly result: LinearizabilityResult;
  },
): Promise<ReportFiles> {
  const { model, ops, result } = report;
  const historyPath = await writeHistory(dir, ops);
  const used = new Set<string>();
  const timelinePaths: string[] = [];
  for (const check of result.keys) {
    if (check.verdict === 'ok') continue;
    const keyOps = ops.filter((op) => model.partition(op.input) === check.key);
    const stuck =
      check.blockingId === undefined ? '' : ` No linearization gets past op ${check.blockingId}.`;
    const note = `${model.name}: ${check.verdict} after ${check.steps} search steps.${stuck}`;
    const html = renderTimeline({
      title: `${model.name} ${check.verdict}`,
      key: check.key,
      ops: keyOps,
      describe: (input, output) => model.describe(input, output),
      linearizedIds: check.linearizedIds,
      markedIds: check.blockingId === undefined ? [] : [check.blockingId],
      ...(check.region === undefined ? {} : { region: check.region }),
      notes: [note],
    });
    const path = join(dir, timelineName(check.key, used));
    await writeFile(path, html);
    timelinePaths.push(path);
  }
  return { historyPath, timelinePaths };
}

/**
 * Writes the history and, for every key with a lost, phantom or duplicated write, an HTML
 * timeline with the lost writes marked and the span from the first of them shaded.
 */
export async function writeLossReport<TState, TInput, TOutput>(
  dir: string,
  report: {
    readonly model: Model<TState, TInput, TOutput>;
    readonly ops: readonly Operation<TInput, TOutput>[];
    readonly losses: readonly WriteLoss[];
  },
): Promise<ReportFiles> {
  const { model, ops, losses } = report;
  const historyPath = await writeHistory(dir, ops);
  const used = new Set<string>();
  const timelinePaths: string[] = [];
  for (const key of [...new Set(losses.map((l) => l.key))].sort()) {
    const keyLosses = losses.filter((l) => l.key === key);
    const keyOps = ops.filter((op) => model.partition(op.input) === key);
    const markedIds = keyLosses.flatMap((l) => (l.opId === undefined ? [] : [l.opId]));
    const marked = keyOps.filter((op) => markedIds.includes(op.id));
    const finite = keyOps.flatMap((op) => [op.invokeUs, op.completeUs]).filter(Number.isFinite);
    const loUs = Math.min(...marked.map((op) => op.invokeUs), Infinity);
    const region = marked.length === 0 ? {} : { region: { loUs, hiUs: Math.max(...finite) } };
    const html = renderTimeline({
      title: `${model.name} acknowledged writes`,
      key,
      ops: keyOps,
      describe: (input, output) => model.describe(input, output),
      markedIds,
      ...region,
      notes: keyLosses.map((l) => `${l.kind} ${String(l.value)}: ${l.detail}`),
    });
    const path = join(dir, timelineName(key, used));
    await writeFile(path, html);
    timelinePaths.push(path);
  }
  return { historyPath, timelinePaths };
}

/** Writes every watcher's log (`watchers.jsonl`, one watcher a line) and the violations found. */
export async function writeWatchReport(
  dir: string,
  report: {
    readonly watchers: readonly WatcherLog[];
    readonly violations: readonly WatchViolation[];
  },
): Promise<{ readonly watchersPath: string; readonly violationsPath: string }> {
  await mkdir(dir, { recursive: true });
  const watchersPath = join(dir, 'watchers.jsonl');
  const violationsPath = join(dir, 'watch-violations.json');
  await writeFile(watchersPath, report.watchers.map((w) => `${JSON.stringify(w)}\n`).join(''));
  await writeFile(violationsPath, `${JSON.stringify(report.violations, null, 2)}\n`);
  return { watchersPath, violationsPath };
}
