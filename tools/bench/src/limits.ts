// Named bounds of the side-by-side benchmark (STYLE.md §8).

export const limits = {
  /** How long a cluster may take to answer Status on every member with one leader. */
  readyTimeoutMs: 60_000,
  /** Pause between readiness polls. */
  readyPollMs: 50,
  /** SIGTERM grace before SIGKILL when stopping a member. */
  stopGraceMs: 10_000,
  /** Bytes of a member's stderr kept for error reports. */
  stderrTailBytes: 4000,
  /** Linux clock ticks per second in /proc/<pid>/stat (USER_HZ). */
  clockTicksPerSec: 100,
  /** Deadline of one call while a member may be down (failover, restart, readiness). */
  callTimeoutMs: 2000,
  /**
   * Deadline of one failover write. Short, so that writers stuck on a request the dead leader
   * will never answer try again soon: with 16 writers out of step, recovery is seen within tens
   * of milliseconds instead of one long deadline. A write that times out is simply not counted.
   */
  failoverCallTimeoutMs: 500,
  /** Pause after a failed write before the next one, so a down cluster is not spun on. */
  errorBackoffMs: 10,
  /** Puts in one bulk-load transaction (etcd's default --max-txn-ops). */
  txnOpsMax: 128,
  /** Bulk-load transactions in flight at once. */
  bulkLoadConcurrency: 8,
  /** Worker threads of the load generator (one per core of the 2-core target machine). */
  generatorWorkers: 2,
  /** HTTP/2 connections per worker per member. */
  connectionsPerEndpoint: 2,
  /** Distinct keys each worker writes and reads (its pre-encoded requests). */
  keysPerWorker: 1000,
  /** Value size of every put, bytes. */
  valueBytes: 256,
} as const;
