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
