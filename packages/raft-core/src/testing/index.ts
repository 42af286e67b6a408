// @keel/raft-core/testing: test support, the counterpart of etcd's rafttest. Only test files
// may import it (lint enforces this).
export { createPrng } from './prng.js';
export type { Prng } from './prng.js';
export { MemoryStorage, emptyConfState } from './memory-storage.js';
