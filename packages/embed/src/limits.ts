// Named limits of the embedded server (STYLE.md §8). Relations are asserted at load.
import { assert } from './assert.js';

/** Events the driver loop's inbox holds before client calls fail OVERLOADED. */
export const inboxEventsMax = 65_536;
/** Proposals and reads that may wait for their outcome at once on one member. */
export const pendingRequestsMax = 65_536;
/** Fixed part of every request's time limit (etcd: 5 s + 2 x election timeout). */
export const requestTimeoutBaseMs = 5000;
/** Committed but unapplied entries beyond which new proposals are refused (etcd's 5000). */
export const applyLagEntriesMax = 5000;
/** Store batches committing at once while the loop goes on to the next Ready. */
export const applyBatchesInFlightMax = 4;
/** Reads that share one ReadIndex round at most; more start another round. */
export const readBatchCountMax = 4096;
/**
 * Ticks a ReadIndex round may wait for its answer before it is asked again (a request sent while
 * there was no leader, or to a leader that lost it, is dropped by Raft without an answer).
 */
export const readRetryTicks = 5;

const atMost = (a: number, b: number): boolean => a <= b;
assert(atMost(pendingRequestsMax, inboxEventsMax), 'the inbox must hold every pending request');
assert(
  atMost(readBatchCountMax, pendingRequestsMax),
  'a read batch cannot exceed pending requests',
);

/** etcd's request time limit for a cluster with this election timeout. */
export function requestTimeoutMs(electionMs: number): number {
  return requestTimeoutBaseMs + 2 * electionMs;
}

/** How often the leader looks for expired leases (etcd's lessor checks every 500 ms). */
export const leaseCheckIntervalMs = 500;
/** Lease revokes the leader proposes per check at most (etcd: 1000 per second). */
export const leaseRevokesPerCheckMax = 500;
/** Lease checkpoints in one LeaseCheckpoint request, at most (etcd's maxLeaseCheckpointBatchSize).
 */
export const leaseCheckpointsPerRequestMax = 1000;
/**
 * LeaseCheckpoint requests the leader proposes per check, at most (etcd's lessor: half its
 * checkpoint rate of 1000 per 500 ms loop).
 */
export const leaseCheckpointRequestsPerCheckMax = 500;
/** How often revision-mode auto-compaction runs on the leader (etcd's 5 minutes). */
export const revisionCompactionCheckMs = 5 * 60 * 1000;

/** Bytes read from a received snapshot file per chunk while installing it. */
export const snapshotFileChunkBytes = 1024 * 1024;
/** Bytes of the member table at the head of a snapshot, at most (snapshot-head.ts). */
export const snapshotHeadBytesMax = 16 * 1024 * 1024;
/** Snapshots this member streams to lagging members at once; more are reported failed to Raft,
 * which asks again later. */
export const snapshotsSendingMax = 4;
/** How long a joining member waits for one peer's member list (`GET /members`). */
export const joinFetchTimeoutMs = 5000;
/** Bytes of a peer's member list (`GET /members`) a joining member reads at most. */
export const memberListBytesMax = 16 * 1024 * 1024;
/**
 * How long members must have been connected for a membership change to count them (etcd's
 * HealthInterval, under the strict reconfig check).
 */
export const reconfigHealthMs = 5000;
/** The share of the leader's log a learner must hold before it may be promoted (etcd's 90%). */
export const learnerReadyShare = 0.9;
/** Time between a member's attempts to publish its name and client URLs until one applies. */
export const publishRetryMs = 1000;
/**
 * How long a member that applied its own removal keeps running before it stops (etcd's 1 s), so
 * the messages that tell the others the removal is committed (and hand leadership on) go out.
 */
export const removedStopDelayMs = 1000;

/** Bytes of a lease request forwarded to the leader over the peer listener, at most. */
export const leaseForwardRequestBytesMax = 4096;
/**
 * Bytes of the leader's answer to a forwarded lease request, at most (a time-to-live with keys
 * lists every key attached to the lease).
 */
export const leaseForwardResponseBytesMax = 64 * 1024 * 1024;
/** Wait before forwarding a request (lease, promotion) again after the leader did not settle it. */
export const leaderForwardRetryMs = 50;
/** Connections kept open to the leader's peer listener for forwarded requests, per forwarder. */
export const leaderForwardSocketsMax = 16;
