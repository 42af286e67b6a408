// CPU profiles for benchmarks: record one around a measured run with the inspector (what
// `node --cpu-prof` records, limited to the run instead of the whole process with its start-up),
// and summarize where the time went as self time per function and per package.
import { Session } from 'node:inspector';

/** The parts of a V8 `.cpuprofile` the summary reads. */
export interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: {
      readonly functionName: string;
      readonly url: string;
      readonly lineNumber: number;
    };
  }[];
  /** The node sampled at each tick, with `timeDeltas[i]` microseconds before it. */
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

/** One line of a profile summary: self time spent in a function or a package. */
export interface SelfTime {
  readonly name: string;
  readonly selfMs: number;
  /** Share of all sampled time, 0..1 (idle included). */
  readonly share: number;
}

/** Self time per function and per package, largest first. */
export interface CpuProfileSummary {
  readonly totalMs: number;
  readonly functions: readonly SelfTime[];
  readonly packages: readonly SelfTime[];
}

/**
 * Runs `work` while the inspector's sampling profiler records this process, and returns the
 * profile (a `.cpuprofile` object: write it as JSON to open it in Chrome DevTools).
 */
export async function profileCpu<T>(
  work: () => Promise<T>,
): Promise<{ readonly result: T; readonly profile: CpuProfile }> {
  const session = new Session();
  session.connect();
  const post = (method: string): Promise<unknown> =>
    new Promise((resolve, reject) => {
      session.post(method, (err, res) => {
        if (err === null) resolve(res);
        else reject(err);
      });
    });
  try {
    await post('Profiler.enable');
    await post('Profiler.start');
    const result = await work();
    const { profile } = (await post('Profiler.stop')) as { profile: CpuProfile };
    return { result, profile };
  } finally {
    session.disconnect();
  }
}

/** The package a script belongs to: `@keel/<dir>` for ours, the module name for dependencies. */
function packageOf(url: string): string {
  if (url === '') return '(native or V8)';
  const dep = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dep?.[1] !== undefined) return dep[1];
  const ours = /\/(?:packages|tools|apps)\/([^/]+)\//.exec(url);
  if (ours?.[1] !== undefined) return `@keel/${ours[1]}`;
  if (url.startsWith('node:')) return 'node (built-in)';
  return url;
}

function ranked(totals: Map<string, number>, totalUs: number, count: number): SelfTime[] {
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, us]) => ({ name, selfMs: us / 1000, share: totalUs === 0 ? 0 : us / totalUs }));
}

/**
 * Sums each sample's time into the function it was taken in (self time), and into that
 * function's package. `count` bounds each list (default 20).
 */
export function summarizeCpuProfile(profile: CpuProfile, count = 20): CpuProfileSummary {
  const frames = new Map<number, { fn: string; pkg: string }>();
  for (const n of profile.nodes) {
    const { functionName, url, lineNumber } = n.callFrame;
    const file = url.replace(/^.*\/(packages|tools|apps|node_modules)\//, '$1/');
    // Scripts compiled from TypeScript on the fly report line 1 for everything: no line then.
    const line = file.endsWith('.ts') ? '' : `:${String(lineNumber + 1)}`;
    const name = functionName === '' ? '(anonymous)' : functionName;
    const fn = url === '' ? functionName || '(native)' : `${name} ${file}${line}`;
    frames.set(n.id, { fn, pkg: url === '' ? functionName || '(native)' : packageOf(url) });
  }
  const byFn = new Map<string, number>();
  const byPkg = new Map<string, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let totalUs = 0;
  for (let i = 0; i < samples.length; i++) {
    const frame = frames.get(samples[i] ?? -1);
    const us = Math.max(0, deltas[i] ?? 0);
    if (frame === undefined) continue;
    totalUs += us;
    byFn.set(frame.fn, (byFn.get(frame.fn) ?? 0) + us);
    byPkg.set(frame.pkg, (byPkg.get(frame.pkg) ?? 0) + us);
  }
  return {
    totalMs: totalUs / 1000,
    functions: ranked(byFn, totalUs, count),
    packages: ranked(byPkg, totalUs, count),
  };
}

/** The summary as aligned text lines, for a benchmark's closing note. */
export function formatCpuProfileSummary(title: string, s: CpuProfileSummary): string {
  const line = (t: SelfTime): string =>
    `  ${(t.share * 100).toFixed(1).padStart(5)}%  ${t.selfMs.toFixed(0).padStart(7)} ms  ${t.name}`;
  return [
    `${title}: ${s.totalMs.toFixed(0)} ms sampled`,
    ' self time by package:',
    ...s.packages.map(line),
    ' self time by function:',
    ...s.functions.map(line),
  ].join('\n');
}
