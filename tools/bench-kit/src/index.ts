// @keel/bench-kit: the figure format (docs/benchmarks.md) and measuring helpers shared by every
// benchmark in the repo. Benchmarks only: no package imports it at runtime.
export { runClosedLoop } from './closed-loop.js';
export type { ClosedLoopOptions, ClosedLoopResult } from './closed-loop.js';
export { reportFigure, toFigureLine } from './figure.js';
export type { Figure, FigureLine } from './figure.js';
export { startEtcd } from './etcd-process.js';
export type { EtcdProcess, StartEtcdOptions } from './etcd-process.js';
export { freePort } from './free-port.js';
export { median, summarize } from './stats.js';
export type { LatencySummary } from './stats.js';
export { formatCpuProfileSummary, profileCpu, summarizeCpuProfile } from './cpu-profile.js';
export type { CpuProfile, CpuProfileSummary, SelfTime } from './cpu-profile.js';
