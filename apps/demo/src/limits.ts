// Named defaults and bounds of the demo (STYLE.md §8).

/** `--chaos` without a value kills the leader this often, in seconds. */
export const defaultChaosSeconds = 10;
/** How often the three-member demo asks each member for its status (leader and term). */
export const statusPollMs = 250;
/** Longest wait for one status answer; a member slower than this counts as not answering. */
export const statusDeadlineMs = 1000;
/**
 * Longest wait for one put or get of the loop. A write that a follower forwarded to a leader that
 * was just killed is lost with it and never answered (as in etcd, the member would time out after
 * several seconds); past this bound the round is reported failed, its outcome unknown, so it is
 * never counted as acknowledged. Healthy puts take milliseconds, so 2 s keeps the loop moving.
 */
export const requestDeadlineMs = 2000;
/** Longest wait for a `keel` member process to start serving clients. */
export const memberStartMs = 30_000;
/** Longest wait for a member to exit after SIGTERM before it gets SIGKILL. */
export const memberStopMs = 10_000;
/** Longest the final check tries to read the acknowledged writes back (members may be starting). */
export const readBackMs = 30_000;
/** Reads of the final check in flight at once. */
export const readBackConcurrency = 8;
/** Lines of a member's stderr kept to explain why it exited. */
export const stderrTailLines = 20;
