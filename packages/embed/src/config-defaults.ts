// etcd 3.6's defaults for the settings Keel shares with etcd's embed.Config.

/** etcd's `--name` default. */
export const defaultName = 'default';
/** etcd's default client URL (`--listen-client-urls`, `--advertise-client-urls`). */
export const defaultClientUrl = 'http://localhost:2379';
/** etcd's default peer URL (`--listen-peer-urls`, `--initial-advertise-peer-urls`). */
export const defaultPeerUrl = 'http://localhost:2380';
/** etcd's `--initial-cluster-token` default. */
export const defaultClusterToken = 'etcd-cluster';
/** etcd's `--heartbeat-interval` default, in milliseconds. */
export const defaultTickMs = 100;
/** etcd's `--election-timeout` default, in milliseconds. */
export const defaultElectionMs = 1000;
/** etcd caps the election timeout at 50 s. */
export const electionMsMax = 50_000;
/** etcd 3.6's `--snapshot-count` default: applied entries between snapshots. */
export const defaultSnapshotCount = 10_000;
/** etcd's `--snapshot-catchup-entries` default: entries kept after a snapshot for slow followers. */
export const defaultSnapshotCatchUpEntries = 5000;
/** etcd's `--quota-backend-bytes` default: 2 GiB. */
export const defaultQuotaBackendBytes = 2 * 1024 ** 3;
/** etcd's `--max-request-bytes` default: 1.5 MiB. */
export const defaultMaxRequestBytes = 1.5 * 1024 * 1024;
/** etcd's `--max-txn-ops` default. */
export const defaultMaxTxnOps = 128;
/** etcd's `--max-learners` default. */
export const defaultMaxLearners = 1;
/**
 * etcd's lease checkpoint interval (its lessor's default, 5 minutes): how long the leader waits
 * before checkpointing a lease's remaining TTL, when checkpoints are on.
 */
export const defaultLeaseCheckpointIntervalMs = 5 * 60 * 1000;
