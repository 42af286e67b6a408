// A small runner for transcript (datadriven) tests, STYLE.md §9: pure parsing and formatting.
// The *.test.ts file reads and writes the files. Format, one case per block:
//
//   # comments (kept on rewrite)
//   command arg1 key=value key=v1,v2
//   optional input lines
//   ----
//   expected output (no blank lines; an empty output is written "ok")
//
// Cases are separated by blank lines.
import { assert } from '../assert.js';

/** One argument: `key` alone, or `key=v1,v2`. */
export interface CmdArg {
  readonly key: string;
  readonly vals: readonly string[];
}

/** One case of a transcript. */
export interface TestCase {
  /** 1-based line of the command, for error messages. */
  readonly line: number;
  /** Comment and blank lines before the command, reproduced on rewrite. */
  readonly preamble: readonly string[];
  readonly cmd: string;
  readonly args: readonly CmdArg[];
  readonly input: readonly string[];
  readonly expected: string;
}

/** Upper bound on lines in one transcript file. */
export const transcriptLinesMax = 100_000;

function parseArgs(words: readonly string[]): CmdArg[] {
  return words.map((w) => {
    const eq = w.indexOf('=');
    if (eq < 0) return { key: w, vals: [] };
    return { key: w.slice(0, eq), vals: w.slice(eq + 1).split(',') };
  });
}

/** Parses a transcript; asserts on a malformed one, naming the line. */
export function parseTranscript(text: string): TestCase[] {
  const lines = text.split('\n');
  assert(lines.length <= transcriptLinesMax, 'transcript too long');
  const cases: TestCase[] = [];
  let preamble: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const head = lines[i] ?? '';
    if (head.trim() === '' || head.startsWith('#')) {
      preamble.push(head);
      i++;
      continue;
    }
    const line = i + 1;
    const words = head.trim().split(/\s+/);
    const input: string[] = [];
    i++;
    while (i < lines.length && lines[i] !== '----') input.push(lines[i++] ?? '');
    assert(i < lines.length, `line ${String(line)}: missing ---- after "${head}"`);
    i++;
    const out: string[] = [];
    while (i < lines.length && (lines[i] ?? '') !== '') out.push(lines[i++] ?? '');
    const [cmd = '', ...rest] = words;
    cases.push({ line, preamble, cmd, args: parseArgs(rest), input, expected: out.join('\n') });
    preamble = [];
  }
  return cases;
}

/** The output as it is written to a transcript: no blank lines, "ok" when empty. */
export function normalizeOutput(actual: string): string {
  const lines = actual.split('\n').filter((l) => l.trim() !== '');
  return lines.length === 0 ? 'ok' : lines.join('\n');
}

/** Rewrites a transcript with `outputs[i]` as the expected output of case `i`. */
export function formatTranscript(cases: readonly TestCase[], outputs: readonly string[]): string {
  assert(cases.length === outputs.length, 'one output per case');
  const parts: string[] = [];
  cases.forEach((tc, i) => {
    const preamble = i === 0 ? tc.preamble : tc.preamble.slice(1);
    const args = tc.args.map((a) => (a.vals.length === 0 ? a.key : `${a.key}=${a.vals.join(',')}`));
    parts.push(...preamble, [tc.cmd, ...args].join(' '), ...tc.input, '----');
    parts.push(normalizeOutput(outputs[i] ?? ''), '');
  });
  return parts.join('\n');
}

/** The values of argument `key`, or undefined when absent. */
export function argVals(tc: TestCase, key: string): readonly string[] | undefined {
  return tc.args.find((a) => a.key === key)?.vals;
}

/** Keys given without a value (positional words), in order. */
export function positional(tc: TestCase): string[] {
  return tc.args.filter((a) => a.vals.length === 0).map((a) => a.key);
}
