// The seeded cluster simulator (STYLE.md §9): pure and deterministic like the rest of raft-core.
// The command line around it (seed ranges, progress, exit codes) lives in bench/sim.ts.
export { SafetyChecker, SimViolationError, bytesEqual, simCheckerNames } from './checkers.js';
export type { DurableView, LogView, SimCheckerName } from './checkers.js';
export { Cluster, payloadKinds } from './cluster.js';
export type { ClusterStats } from './cluster.js';
export { drawConfChange } from './conf-change-gen.js';
export type { ConfChangeInput } from './conf-change-gen.js';
export { describeSimOptions, drawSimOptions, simEventKinds } from './options.js';
export type { SimEventKind, SimOptions, SimWeights } from './options.js';
export {
  runLiveness,
  runSeed,
  settle,
  simLivenessElectionsMax,
  simSettleRoundsMax,
} from './run.js';
export type { SimRunConfig, SimRunResult, SimViolation } from './run.js';
export { SimNetwork, simNetworkMsgsMax, simReorderWindowMsgs } from './sim-network.js';
export type { Delivery, SimNetworkOptions, SimNetworkStats } from './sim-network.js';
export { SimNode, readKeyOf, tolerateRaftError } from './sim-node.js';
export type { SimNodeContext, SimNodeStats } from './sim-node.js';
export { SimStateMachine, digestEntry } from './sim-state-machine.js';
