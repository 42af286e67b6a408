import { keelProject } from '../../vitest.shared.ts';

// The checkers keep no module state between calls, so this package's test files share one module
// graph: fast-check and the sources load once instead of once per file (about half the CPU time).
export default keelProject('chaos', { test: { isolate: false } });
