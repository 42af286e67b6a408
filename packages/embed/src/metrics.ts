import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The server's Prometheus metrics, in a registry of its own (several servers can share a
 * process), under etcd's metric names so existing dashboards and alerts work unchanged.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly hasLeader = this.#gauge(
    'etcd_server_has_leader',
    'Whether or not a leader exists. 1 is existence, 0 is not.',
  );
  readonly isLeader = this.#gauge(
    'etcd_server_is_leader',
    'Whether or not this member is a leader. 1 if is, 0 otherwise.',
  );
  readonly leaderChanges = this.#counter(
    'etcd_server_leader_changes_seen_total',
    'The number of leader changes seen.',
  );
  readonly proposalsCommitted = this.#gauge(
    'etcd_server_proposals_committed_total',
    'The total number of consensus proposals committed.',
  );
  readonly proposalsApplied = this.#gauge(
    'etcd_server_proposals_applied_total',
    'The total number of consensus proposals applied.',
  );
  readonly proposalsPending = this.#gauge(
    'etcd_server_proposals_pending',
    'The current number of pending proposals to commit.',
  );
  readonly proposalsFailed = this.#counter(
    'etcd_server_proposals_failed_total',
    'The total number of failed proposals seen.',
  );
  readonly slowReadIndexes = this.#counter(
    'etcd_server_slow_read_indexes_total',
    "The total number of pending read indexes not in sync with leader's or timed out read index requests.",
  );
  readonly slowApplies = this.#counter(
    'etcd_server_slow_apply_total',
    'The total number of slow apply requests (likely overloaded from slow disk).',
  );
  readonly dbSizeBytes = this.#gauge(
    'etcd_mvcc_db_total_size_in_bytes',
    'Total size of the underlying database physically allocated in bytes.',
  );
  readonly walFsyncSeconds = new Histogram({
    name: 'etcd_disk_wal_fsync_duration_seconds',
    help: 'The latency distributions of fsync called by WAL.',
    // etcd's buckets: 1 ms doubling up to about 8 s.
    buckets: Array.from({ length: 14 }, (_, i) => 0.001 * 2 ** i),
    registers: [this.registry],
  });
  readonly backendCommitSeconds = new Histogram({
    name: 'etcd_disk_backend_commit_duration_seconds',
    help: 'The latency distributions of commit called by backend.',
    buckets: Array.from({ length: 14 }, (_, i) => 0.001 * 2 ** i),
    registers: [this.registry],
  });

  readonly snapshotSendSuccess = this.#counter(
    'etcd_network_snapshot_send_success',
    'Total number of successful snapshot sends.',
  );
  readonly snapshotSendFailures = this.#counter(
    'etcd_network_snapshot_send_failures',
    'Total number of snapshot send failures.',
  );
  readonly snapshotReceiveSuccess = this.#counter(
    'etcd_network_snapshot_receive_success',
    'Total number of successful snapshot receives.',
  );
  readonly snapshotReceiveFailures = this.#counter(
    'etcd_network_snapshot_receive_failures',
    'Total number of snapshot receive failures.',
  );
  readonly snapshotsSaved = this.#counter(
    'keel_server_snapshots_saved_total',
    'Raft snapshots recorded (every snapshotCount applied entries) and followed by log compaction.',
  );

  #gauge(name: string, help: string): Gauge {
    return new Gauge({ name, help, registers: [this.registry] });
  }

  #counter(name: string, help: string): Counter {
    return new Counter({ name, help, registers: [this.registry] });
  }

  /** The registry in Prometheus text format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}
