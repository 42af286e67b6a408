/** How much a run measures: the full benchmark, `--quick` for development, `--tiny` for tests. */
export interface RunPlan {
  readonly mode: 'full' | 'quick' | 'tiny';
  /** Times each scenario is measured per system; the median is reported. */
  readonly repetitions: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** Concurrent clients of the put scenarios. */
  readonly putClients: readonly number[];
  /** Clients of the range and mixed scenarios. */
  readonly readClients: number;
  readonly watchers: number;
  /** Writers feeding the watchers. */
  readonly watchWriters: number;
  readonly failoverClients: number;
  /** Keys of 256 B loaded before the memory reading. */
  readonly memoryKeys: number;
  /** Keys of 256 B loaded before the restart timing (scaled down when loading outruns the budget). */
  readonly restartKeys: number;
  /** Time allowed to load the restart keys into the first system. */
  readonly restartLoadBudgetMs: number;
}

const full: RunPlan = {
  mode: 'full',
  repetitions: 3,
  warmupMs: 500,
  durationMs: 3000,
  putClients: [1, 16, 64, 256],
  readClients: 64,
  watchers: 100,
  watchWriters: 16,
  failoverClients: 16,
  memoryKeys: 100_000,
  restartKeys: 1_000_000,
  restartLoadBudgetMs: 150_000,
};

const plans: Record<RunPlan['mode'], RunPlan> = {
  full,
  quick: {
    ...full,
    mode: 'quick',
    repetitions: 1,
    warmupMs: 200,
    durationMs: 1000,
    putClients: [1, 64, 256],
    memoryKeys: 20_000,
    restartKeys: 50_000,
    restartLoadBudgetMs: 20_000,
  },
  tiny: {
    ...full,
    mode: 'tiny',
    repetitions: 1,
    warmupMs: 100,
    durationMs: 300,
    putClients: [16],
    readClients: 16,
    watchers: 10,
    watchWriters: 4,
    failoverClients: 4,
    memoryKeys: 1000,
    restartKeys: 1000,
    restartLoadBudgetMs: 5000,
  },
};

/** The plan for the command line: `--quick`, `--tiny`, or the full run. */
export function planFor(args: readonly string[]): RunPlan {
  if (args.includes('--tiny')) return plans.tiny;
  if (args.includes('--quick')) return plans.quick;
  return plans.full;
}
