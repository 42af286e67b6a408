import { median, toFigureLine, type FigureLine } from '@keel/bench-kit';
import type { SystemName } from './member-process.js';

/** One measured value of one repetition of one scenario on one system. */
export interface Observation {
  /** The figure's metric, e.g. `puts/s clients=64 members=3 target=leader`. */
  readonly metric: string;
  readonly system: SystemName;
  readonly unit: string;
  readonly better: 'higher' | 'lower';
  readonly value: number;
  /** `result`: compared keel against etcd; `generator`: the load generator's own CPU (cores). */
  readonly group: 'result' | 'generator';
}

/** The `bench` name of the side-by-side figures, and of the generator's own CPU figures. */
export const benchName = { result: 'bench-etcd', generator: 'bench-etcd/generator' } as const;

/** The baseline named in every comparison line. */
export const etcdBaseline = 'etcd 3.4 (same run)';

/** Collects observations in order and says what was measured on stderr as it goes. */
export class Recorder {
  readonly observations: Observation[] = [];
  readonly notes: string[] = [];

  add(o: Observation): void {
    this.observations.push(o);
    if (o.group === 'result') {
      process.stderr.write(
        `bench-etcd: ${o.system} ${o.metric}: ${o.value.toPrecision(4)} ${o.unit}\n`,
      );
    }
  }

  /** A remark that belongs in the output and on the page (e.g. a scaled-down scenario). */
  note(text: string): void {
    this.notes.push(text);
    process.stderr.write(`bench-etcd: note: ${text}\n`);
  }
}

/** Distinct values of `key(o)`, in first-seen order. */
function distinct<T>(items: readonly T[], key: (t: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((t) => {
    const k = key(t);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

const valuesOf = (obs: readonly Observation[], metric: string, system: SystemName) =>
  obs.filter((o) => o.metric === metric && o.system === system).map((o) => o.value);

/**
 * The figure lines of a run: for each compared metric, keel's median against etcd's median
 * (`ratio` above 1 means keel is better, whichever way is better for the metric); for the
 * generator, its median CPU in cores against the machine's cores (`ratio` = its share).
 */
export function toFigureLines(obs: readonly Observation[], machineCores: number): FigureLine[] {
  const results = distinct(
    obs.filter((o) => o.group === 'result'),
    (o) => o.metric,
  ).map((o) =>
    toFigureLine({
      bench: benchName.result,
      metric: o.metric,
      value: median(valuesOf(obs, o.metric, 'keel')),
      unit: o.unit,
      baseline: etcdBaseline,
      baselineValue: median(valuesOf(obs, o.metric, 'etcd')),
      better: o.better,
    }),
  );
  const generator = distinct(
    obs.filter((o) => o.group === 'generator'),
    (o) => `${o.metric} ${o.system}`,
  ).map((o) =>
    toFigureLine({
      bench: benchName.generator,
      metric: `${o.metric} system=${o.system}`,
      value: median(valuesOf(obs, o.metric, o.system)),
      unit: 'cores',
      baseline: 'machine cores',
      baselineValue: machineCores,
    }),
  );
  return [...results, ...generator];
}
