// @keel/demo: the article's pieces, for tools and tests that drive the same loop.
export { describeLostWrite, findLostWrites } from './acked-writes.js';
export type { AckedWrite, LostWrite, StoredVersion } from './acked-writes.js';
export { DemoArgsError, parseDemoArgs } from './args.js';
export type { DemoArgs } from './args.js';
export { DemoError, demoErrorCodes, isDemoError } from './errors.js';
export type { DemoErrorCode } from './errors.js';
export { describeLeaderChange, watchLeadership } from './leader-watch.js';
export { describeLeaderView, leaderView } from './leader-view.js';
export type { LeaderView, MemberStatus } from './leader-view.js';
export { demoKey, repeatRounds, runPutGetLoop } from './put-get-loop.js';
export type { PutGetLoopOptions, PutGetLoopResult, RoundOptions } from './put-get-loop.js';
export { runSingleMember } from './single-member.js';
export { runThreeMembers } from './three-members.js';
export type { ThreeMembersResult } from './three-members.js';
export type { ClusterTally } from './cluster-loop.js';
