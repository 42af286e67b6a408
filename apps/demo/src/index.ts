// @keel/demo: the article's pieces, for tools and tests that drive the same loop.
export { DemoArgsError, parseDemoArgs } from './args.js';
export type { DemoArgs } from './args.js';
export { describeLeaderChange, watchLeadership } from './leader-watch.js';
export { demoKey, runPutGetLoop } from './put-get-loop.js';
export type { PutGetLoopOptions, PutGetLoopResult } from './put-get-loop.js';
export { runSingleMember } from './single-member.js';
