import { assert } from './assert.js';

/**
 * Search steps the linearizability checker spends on one key before it gives up and answers
 * `unknown`. One step is one visit of an entry of the history's event list.
 */
export const searchStepsDefault: number = 5_000_000;

/** Hard cap on `stepsMax`: past it a check would run for hours, which no caller wants. */
export const searchStepsMax: number = 2_000_000_000;

/**
 * Operations of one key the linearizability checker accepts. The memo table stores one bit per
 * operation for every (linearized set, state) pair it visits, so this bounds its memory.
 */
export const opsPerKeyMax: number = 100_000;

/** Operations drawn in one HTML timeline; the rest are listed as left out. */
export const timelineOpsMax: number = 2_000;

/** Watchers and events per watcher the watch checker accepts. */
export const watchersMax: number = 1_000;
/** Events per watcher the watch checker accepts. */
export const watchEventsMax: number = 1_000_000;

assert(searchStepsDefault <= searchStepsMax, 'searchStepsDefault must not exceed searchStepsMax');
assert(timelineOpsMax > 0, 'timelineOpsMax must be positive');

/** Deadline of one unary client call of the chaos runner; past it the outcome is unknown. */
export const callTimeoutMs: number = 5_000;
/** How long a member process gets to start (or restart) and answer a Status call. */
export const memberReadyTimeoutMs: number = 60_000;
/** How long, after healing, the cluster gets to serve final reads and watchers to catch up. */
export const settleTimeoutMs: number = 60_000;
/**
 * How long one step of the membership fault (remove, add as learner, promote) may take, retries
 * included, before the run fails with `CLUSTER_FAILED`.
 */
export const memberChangeTimeoutMs: number = 60_000;
/** How long a removed member's process gets to exit by itself before the runner kills it. */
export const removedExitGraceMs: number = 5_000;
/** Cluster sizes the runner starts. */
export const clusterSizes: readonly number[] = [3, 5];
/** Longest run `--minutes` accepts (a week). */
export const runMinutesMax: number = 7 * 24 * 60;
/** Most SIGKILLs one crash-consistency run takes. */
export const crashKillsMax: number = 100_000;

assert(callTimeoutMs < settleTimeoutMs, 'callTimeoutMs must be below settleTimeoutMs');
