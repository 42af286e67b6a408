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
}

/** A figure as printed: with `ratio = value / baselineValue` (0 when the baseline is 0). */
export interface FigureLine extends Figure {
  readonly ratio: number;
}

/** Rounds to 4 significant digits, so printed figures stay readable. */
function round(n: number): number {
  return Number.isFinite(n) && n !== 0 ? Number(n.toPrecision(4)) : n;
}

/** Builds the printed form of `figure`, computing its ratio against the baseline. */
export function toFigureLine(figure: Figure): FigureLine {
  const ratio = figure.baselineValue === 0 ? 0 : figure.value / figure.baselineValue;
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
