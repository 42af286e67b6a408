// An HTML timeline of one key: one row per process, one bar per operation from its invocation
// to its completion (unknown outcomes run to the right edge, dashed), the region where the
// checker got stuck shaded, the blocking operation and the operations never linearized outlined
// in red, and below it the longest partial linearization the search found. Self-contained: no
// scripts, no external styles, so it opens from a CI artifact as is.
import type { Operation } from './history.js';
import { timelineOpsMax } from './limits.js';

/** What to draw for one key. */
export interface TimelineInput<TInput, TOutput> {
  readonly title: string;
  readonly key: string;
  /** The key's operations. */
  readonly ops: readonly Operation<TInput, TOutput>[];
  readonly describe: (input: TInput, output: TOutput | undefined) => string;
  /** Ids in the order the checker linearized them (the longest partial linearization). */
  readonly linearizedIds?: readonly number[];
  /** Ids outlined in red: the blocking operation, lost writes. */
  readonly markedIds?: readonly number[];
  /** The shaded span, in microseconds. */
  readonly region?: { readonly loUs: number; readonly hiUs: number };
  /** Lines of explanation shown above the drawing. */
  readonly notes?: readonly string[];
}

const rowPx = 30;
const labelPx = 70;
const plotPx = 1100;
const colors = { ok: '#8fd18f', fail: '#cfcfcf', unknown: '#f3c66b', pending: '#f3c66b' };

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** Keeps at most `timelineOpsMax` operations, the ones nearest the region first. */
function pickOps<TInput, TOutput>(
  input: TimelineInput<TInput, TOutput>,
): Operation<TInput, TOutput>[] {
  if (input.ops.length <= timelineOpsMax) return [...input.ops];
  const mid = input.region === undefined ? 0 : (input.region.loUs + input.region.hiUs) / 2;
  const distance = (op: Operation<TInput, TOutput>): number =>
    op.invokeUs > mid ? op.invokeUs - mid : op.completeUs < mid ? mid - op.completeUs : 0;
  const kept = [...input.ops].sort((a, b) => distance(a) - distance(b)).slice(0, timelineOpsMax);
  return kept.sort((a, b) => a.id - b.id);
}

interface Scale {
  readonly x: (us: number) => number;
  readonly loUs: number;
  readonly hiUs: number;
}

function scaleOf(ops: readonly Operation<unknown, unknown>[]): Scale {
  const times = ops.flatMap((op) => [op.invokeUs, op.completeUs]).filter(Number.isFinite);
  const loUs = Math.min(...times, Infinity);
  const hiUs = Math.max(...times, loUs + 1);
  const spanUs = hiUs - loUs;
  // Unknown outcomes end past the last finite time: 5% of the plot is kept for them.
  const x = (us: number): number =>
    labelPx + (Number.isFinite(us) ? ((us - loUs) / spanUs) * plotPx * 0.95 : plotPx);
  return { x, loUs, hiUs };
}

function bar<TInput, TOutput>(
  op: Operation<TInput, TOutput>,
  ctx: { input: TimelineInput<TInput, TOutput>; scale: Scale; row: number },
): string {
  const { input, scale } = ctx;
  const y = ctx.row * rowPx + 4;
  const x0 = scale.x(op.invokeUs);
  const width = Math.max(scale.x(op.completeUs) - x0, 3);
  const text = input.describe(op.input, op.output);
  const marked = input.markedIds?.includes(op.id) ?? false;
  const linearized = input.linearizedIds?.includes(op.id) ?? true;
  const stroke = marked
    ? 'stroke="#c00000" stroke-width="3"'
    : linearized
      ? 'stroke="#555"'
      : 'stroke="#c00000"';
  const dash =
    op.outcome === 'unknown' || op.outcome === 'pending' ? ' stroke-dasharray="5 3"' : '';
  const end = Number.isFinite(op.completeUs) ? `${op.completeUs}us` : 'never';
  const tip = `op ${op.id} p${op.process} ${op.outcome}: ${text} [${op.invokeUs}us, ${end}]`;
  return [
    `<g><title>${escapeHtml(tip)}</title>`,
    `<rect x="${x0.toFixed(1)}" y="${y}" width="${width.toFixed(1)}" height="${rowPx - 8}"`,
    ` fill="${colors[op.outcome]}" ${stroke}${dash} rx="3"/>`,
    `<text x="${(x0 + 3).toFixed(1)}" y="${y + 15}" font-size="11">${escapeHtml(`${op.id}: ${text}`)}</text></g>`,
  ].join('');
}

function svgOf<TInput, TOutput>(
  input: TimelineInput<TInput, TOutput>,
  ops: readonly Operation<TInput, TOutput>[],
): string {
  const scale = scaleOf(ops);
  const processes = [...new Set(ops.map((op) => op.process))].sort((a, b) => a - b);
  const heightPx = processes.length * rowPx + 24;
  const parts: string[] = [];
  const region = input.region;
  if (region !== undefined) {
    const x0 = scale.x(region.loUs);
    const w = Math.max(scale.x(region.hiUs) - x0, 4);
    parts.push(
      `<rect class="region" x="${x0.toFixed(1)}" y="0" width="${w.toFixed(1)}" height="${heightPx}" fill="#ff000022" stroke="#c00000"/>`,
    );
  }
  processes.forEach((p, row) => {
    parts.push(`<text x="4" y="${row * rowPx + 19}" font-size="12">p${p}</text>`);
    for (const op of ops) if (op.process === p) parts.push(bar(op, { input, scale, row }));
  });
  const axis = `${scale.loUs}us .. ${scale.hiUs}us`;
  parts.push(`<text x="${labelPx}" y="${heightPx - 6}" font-size="11">${escapeHtml(axis)}</text>`);
  const widthPx = labelPx + plotPx + 10;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${widthPx}" height="${heightPx}">${parts.join('')}</svg>`;
}

function linearizationList<TInput, TOutput>(input: TimelineInput<TInput, TOutput>): string {
  if (input.linearizedIds === undefined) return '';
  const byId = new Map(input.ops.map((op) => [op.id, op]));
  const items = input.linearizedIds.map((id) => {
    const op = byId.get(id);
    const text = op === undefined ? '?' : input.describe(op.input, op.output);
    return `<li>op ${id}: ${escapeHtml(text)}</li>`;
  });
  return `<h2>Longest partial linearization (${items.length} ops)</h2><ol>${items.join('')}</ol>`;
}

/**
 * Renders a self-contained HTML page with the timeline of one key.
 *
 * @example
 * const html = renderTimeline({ title: 'register', key: 'k', ops, describe: model.describe });
 */
export function renderTimeline<TInput, TOutput>(input: TimelineInput<TInput, TOutput>): string {
  const ops = pickOps(input);
  const left = input.ops.length - ops.length;
  const notes = [...(input.notes ?? [])];
  if (left > 0) notes.push(`${left} operations far from the region are left out.`);
  const legend =
    'Bars: green ok, grey fail, amber unknown (dashed, open-ended). Red outline: not linearized ' +
    'or marked (thick). Shaded: the violating region.';
  return [
    '<!doctype html><html><head><meta charset="utf-8">',
    `<title>${escapeHtml(`${input.title}: ${input.key}`)}</title>`,
    '<style>body{font-family:sans-serif;margin:16px} svg{border:1px solid #ddd}</style>',
    '</head><body>',
    `<h1>${escapeHtml(input.title)}: key ${escapeHtml(JSON.stringify(input.key))}</h1>`,
    ...notes.map((n) => `<p>${escapeHtml(n)}</p>`),
    `<p>${legend}</p>`,
    svgOf(input, ops),
    linearizationList(input),
    '</body></html>\n',
  ].join('\n');
}
