// Judging a run: linearizability per key (registers and lists), acknowledged writes present in
// the final reads, watch order and completeness per range. Every finding becomes one line of
// `violations`; the evidence (history, HTML timelines, watcher logs) goes under `outDir`.
import { join } from 'node:path';
import type { Operation } from '../history.js';
import { checkLinearizable, describeLinearizability } from '../linearizability.js';
import { findLostAppends, findLostWrites, type FinalRegister } from '../lost-writes.js';
import {
  listAppendModel,
  type ListAppendInput,
  type ListAppendOutput,
} from '../models/list-append.js';
import { registerModel, type RegisterInput, type RegisterOutput } from '../models/register.js';
import { writeLossReport, writeViolationReport, writeWatchReport } from '../report.js';
import { checkWatches, type WatcherLog } from '../watch-checker.js';
import type { FinalRange } from './final-state.js';
import { decodeList } from './list-worker.js';

/** Everything the checks need. */
export interface RunEvidence {
  readonly registers: readonly Operation<RegisterInput, RegisterOutput>[];
  readonly lists: readonly Operation<ListAppendInput, ListAppendOutput>[];
  readonly finalRegisters: FinalRange;
  readonly finalLists: FinalRange;
  /** Watcher logs by watched prefix. */
  readonly watchers: ReadonlyMap<string, readonly WatcherLog[]>;
}

/** What the checks found. */
export interface RunVerdict {
  /** One line per finding; empty when the run passed. */
  readonly violations: string[];
  /** Keys whose search ran out of budget: neither passed nor failed. */
  readonly inconclusiveKeys: number;
  readonly keysChecked: number;
}

async function checkHistory<TState, TInput, TOutput>(
  name: string,
  check: {
    model: Parameters<typeof checkLinearizable<TState, TInput, TOutput>>[0];
    ops: readonly Operation<TInput, TOutput>[];
  },
  outDir: string,
): Promise<{ violations: string[]; inconclusive: number; keys: number }> {
  const result = checkLinearizable(check.model, check.ops);
  const inconclusive = result.keys.filter((k) => k.verdict === 'unknown').length;
  const bad = result.keys.filter((k) => k.verdict === 'violation');
  if (bad.length === 0) return { violations: [], inconclusive, keys: result.keys.length };
  const files = await writeViolationReport(join(outDir, name), {
    model: check.model,
    ops: check.ops,
    result,
  });
  const text = describeLinearizability(result).replaceAll('\n', '; ');
  return {
    violations: [`${name}: ${text} (timelines: ${files.timelinePaths.join(', ')})`],
    inconclusive,
    keys: result.keys.length,
  };
}

async function checkLosses(evidence: RunEvidence, outDir: string): Promise<string[]> {
  const finalRegs = new Map<string, FinalRegister>(
    evidence.finalRegisters.kvs.map((kv) => [kv.key, { value: kv.value, modRev: kv.modRev }]),
  );
  // A register key nobody managed to write is absent from the final read: it holds null.
  for (const op of evidence.registers)
    if (!finalRegs.has(op.input.key)) finalRegs.set(op.input.key, { value: null });
  const finalLists = new Map<string, readonly string[]>(
    evidence.finalLists.kvs.map((kv) => [kv.key, decodeList(kv.value)]),
  );
  for (const op of evidence.lists)
    if (!finalLists.has(op.input.key)) finalLists.set(op.input.key, []);
  const out: string[] = [];
  const regLosses = findLostWrites(evidence.registers, finalRegs);
  if (regLosses.length > 0) {
    const dir = join(outDir, 'register-losses');
    await writeLossReport(dir, {
      model: registerModel(),
      ops: evidence.registers,
      losses: regLosses,
    });
    out.push(
      ...regLosses.map(
        (l) => `register ${l.kind} ${l.key}=${String(l.value)}: ${l.detail} (${dir})`,
      ),
    );
  }
  const listLosses = findLostAppends(evidence.lists, finalLists);
  if (listLosses.length > 0) {
    const dir = join(outDir, 'list-losses');
    await writeLossReport(dir, {
      model: listAppendModel(),
      ops: evidence.lists,
      losses: listLosses,
    });
    out.push(
      ...listLosses.map((l) => `list ${l.kind} ${l.key} ${String(l.value)}: ${l.detail} (${dir})`),
    );
  }
  return out;
}

async function checkAllWatches(evidence: RunEvidence, outDir: string): Promise<string[]> {
  const out: string[] = [];
  for (const [prefix, watchers] of evidence.watchers) {
    const range = prefix === 'list/' ? evidence.finalLists : evidence.finalRegisters;
    const violations = checkWatches({ watchers, final: range.kvs });
    if (violations.length === 0) continue;
    const dir = join(outDir, `watch-${prefix.replace(/\W/g, '')}`);
    await writeWatchReport(dir, { watchers, violations });
    out.push(
      ...violations
        .slice(0, 20)
        .map(
          (v) =>
            `watch ${prefix} ${v.kind} ${v.watcherId} @${v.revision} ${v.key}: ${v.detail} (${dir})`,
        ),
    );
    if (violations.length > 20)
      out.push(`watch ${prefix}: ${violations.length - 20} more (${dir})`);
  }
  return out;
}

/** Runs every check; writes the evidence of each failed one under `outDir`. */
export async function judgeRun(evidence: RunEvidence, outDir: string): Promise<RunVerdict> {
  const reg = await checkHistory(
    'registers',
    { model: registerModel(), ops: evidence.registers },
    outDir,
  );
  const list = await checkHistory(
    'lists',
    { model: listAppendModel(), ops: evidence.lists },
    outDir,
  );
  const violations = [
    ...reg.violations,
    ...list.violations,
    ...(await checkLosses(evidence, outDir)),
    ...(await checkAllWatches(evidence, outDir)),
  ];
  return {
    violations,
    inconclusiveKeys: reg.inconclusive + list.inconclusive,
    keysChecked: reg.keys + list.keys,
  };
}
