// @keel/raft-core/testing: test support, the counterpart of etcd's rafttest. Only test files
// may import it (lint enforces this).
export { createPrng } from './prng.js';
export type { Prng } from './prng.js';
export { MemoryStorage, emptyConfState } from './memory-storage.js';
export { InteractionEnv } from './interaction-env.js';
export type { EnvNode, EnvNodeOptions } from './interaction-env.js';
export { runInteraction } from './interaction-commands.js';
export {
  argVals,
  formatTranscript,
  normalizeOutput,
  parseTranscript,
  positional,
} from './datadriven.js';
export type { CmdArg, TestCase } from './datadriven.js';
export {
  describeConfState,
  describeEntry,
  describeHardState,
  describeMessage,
  describeSnapshot,
  describeSoftState,
} from './describe.js';
export {
  Cluster,
  SafetyChecker,
  SimNetwork,
  SimNode,
  SimStateMachine,
  SimViolationError,
  describeSimOptions,
  drawSimOptions,
  runLiveness,
  runSeed,
  simCheckerNames,
} from './sim/index.js';
export type { SimCheckerName, SimOptions, SimRunResult, SimViolation } from './sim/index.js';
