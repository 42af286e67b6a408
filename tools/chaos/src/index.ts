// @keel/chaos: operation histories and their checkers (linearizability, lost writes, watches).
export { HistoryRecorder, validateHistory } from './history.js';
export type { Operation, Outcome } from './history.js';
export { checkLinearizable, describeLinearizability } from './linearizability.js';
export type {
  CheckOptions,
  KeyCheck,
  KeyDecision,
  LinearizabilityResult,
  Model,
  Verdict,
} from './linearizability.js';
export { registerModel } from './models/register.js';
export type {
  RegisterInput,
  RegisterModelOptions,
  RegisterOutput,
  RegisterState,
} from './models/register.js';
export { listAppendModel } from './models/list-append.js';
export type { ListAppendInput, ListAppendOutput, ListNode } from './models/list-append.js';
export { ChaosError, chaosErrorCodes, isChaosError } from './errors.js';
export type { ChaosErrorCode } from './errors.js';
export {
  opsPerKeyMax,
  searchStepsDefault,
  searchStepsMax,
  timelineOpsMax,
  watchEventsMax,
  watchersMax,
} from './limits.js';
export { findLostAppends, findLostWrites } from './lost-writes.js';
export type { FinalRegister, WriteLoss } from './lost-writes.js';
export { checkWatches } from './watch-checker.js';
export type { FinalKeyValue, WatchEvent, WatcherLog, WatchViolation } from './watch-checker.js';
export { decodeHistoryJsonl, encodeHistoryJsonl } from './history-jsonl.js';
export { escapeHtml, renderTimeline } from './timeline-html.js';
export type { TimelineInput } from './timeline-html.js';
export { writeLossReport, writeViolationReport, writeWatchReport } from './report.js';
export type { ReportFiles } from './report.js';
