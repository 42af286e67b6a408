// @keel/chaos: fault injection, operation histories and their checkers.
export { HistoryRecorder } from './history.js';
export type { Operation, Outcome } from './history.js';
