/**
 * One measured figure, printed as one JSON line. Every Keel benchmark reports through this, so a
 * run's output can be collected with `grep '^{"bench"'` and compared across runs.
 */
export interface Figure {
  /** The benchmark, e.g. `raft-wal/append`. */
  readonly bench: string;
  /** What was measured, with its condition, e.g. `entries/s batch=64`. */
  readonly metric: string;
  readonly value: number;
  /** The unit of `value` and `baselineValue`, e.g. `entries/s`, `us`, `MB`. */
  readonly unit: string;
  /** The physical limit or the peer measured in the same run, e.g. `raw lmdb transactionSync`. */
  readonly baseline: string;
  readonly baselineValue: number;
  /**
   * Which way is better for this figure: `higher` (the default: throughput) gives
   * `ratio = value / baselineValue`; `lower` (latency, memory, recovery time) gives
   * `ratio = baselineValue / value`, so a ratio above 1 always means better than the baseline.
   */
  readonly better?: 'higher' | 'lower';
}

/**
 * A figure as printed: with its ratio against the baseline (see `Figure.better`; 0 when the
 * divisor is 0).
 */
export interface FigureLine extends Figure {
  readonly ratio: number;
}

/** Rounds to 4 significant digits, so printed figures stay readable. */
function round(n: number): number {
  return Number.isFinite(n) && n !== 0 ? Number(n.toPrecision(4)) : n;
}

/** Builds the printed form of `figure`, computing its ratio against the baseline. */
export function toFigureLine(figure: Figure): FigureLine {
  const [top, bottom] =
    figure.better === 'lower'
      ? [figure.baselineValue, figure.value]
      : [figure.value, figure.baselineValue];
  const ratio = bottom === 0 ? 0 : top / bottom;
  return {
    ...figure,
    value: round(figure.value),
    baselineValue: round(figure.baselineValue),
    ratio: round(ratio),
  };
}

/**
 * Prints `figure` as one JSON line on stdout (the repo's benchmark convention,
 * docs/benchmarks.md) and returns what it printed.
 */
export function reportFigure(figure: Figure): FigureLine {
  const line = toFigureLine(figure);
  process.stdout.write(`${JSON.stringify(line)}\n`);
  return line;
}
