import { performance } from 'node:perf_hooks';
import { leaderIndex, type Cluster } from './cluster.js';
import { encodePut, encodeRangePrefixKeys } from './etcd-requests.js';
import { GrpcLoadClient } from './grpc-load-client.js';
import { limits } from './limits.js';
import { killMember } from './member-process.js';
import { bytesFields, unaryMessage } from './proto-reader.js';

/** What the failover scenario measured. */
export interface FailoverResult {
  /** From the SIGKILL to the first acknowledged write that was sent after it. */
  readonly recoveryMs: number;
  /** Writes acknowledged over the whole run. */
  readonly acked: number;
  /** Acknowledged writes missing afterwards from a linearizable read of the survivors (must be 0). */
  readonly lost: number;
}

/** How long to write before and after the kill. */
export interface FailoverTiming {
  readonly clients: number;
  readonly beforeMs: number;
  readonly afterMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const prefix = 'failover/';

/**
 * Writes unique keys from `timing.clients` callers spread over every member, SIGKILLs the leader,
 * goes on writing until writes succeed again and `afterMs` more, then checks that every
 * acknowledged key is on the surviving members. The killed member stays down.
 */
export async function measureFailover(
  cluster: Cluster,
  timing: FailoverTiming,
): Promise<FailoverResult> {
  const clients = cluster.clientUrls.map((url) => new GrpcLoadClient(url));
  const acked: string[] = [];
  const state = { stop: false, killAt: Infinity, recoveredAt: Infinity };
  const writer = async (c: number): Promise<void> => {
    let endpoint = c;
    // Bounded by `state.stop`, which the scenario sets after its fixed timeline below.
    for (let seq = 0; !state.stop; seq++) {
      const key = `${prefix}${c}/${seq}`;
      const sentAt = performance.now();
      const client = clients[endpoint % clients.length] as GrpcLoadClient;
      try {
        await client.call(
          '/etcdserverpb.KV/Put',
          encodePut(Buffer.from(key), Buffer.alloc(limits.valueBytes)),
          limits.failoverCallTimeoutMs,
        );
        acked.push(key);
        if (sentAt > state.killAt)
          state.recoveredAt = Math.min(state.recoveredAt, performance.now());
      } catch {
        endpoint++; // this member is down or has no leader: try the next one after a pause
        await sleep(limits.errorBackoffMs);
      }
    }
  };
  const writers = Array.from({ length: timing.clients }, (_, c) => writer(c));
  try {
    const leader = await leaderIndex(cluster);
    await sleep(timing.beforeMs);
    state.killAt = performance.now();
    await killMember(cluster.members[leader] ?? unreachable());
    await waitFor(() => state.recoveredAt < Infinity, limits.readyTimeoutMs);
    await sleep(timing.afterMs);
    state.stop = true;
    await Promise.all(writers);
    const present = await keysOnSurvivors(cluster, leader);
    return {
      recoveryMs: state.recoveredAt - state.killAt,
      acked: acked.length,
      lost: acked.filter((k) => !present.has(k)).length,
    };
  } finally {
    state.stop = true;
    await Promise.all(writers);
    for (const c of clients) c.close();
  }
}

function unreachable(): never {
  throw new Error('the leader index names no member');
}

async function waitFor(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > deadline)
      throw new Error(`writes did not resume within ${timeoutMs} ms`);
    await sleep(limits.errorBackoffMs);
  }
}

/** Every key under the prefix, read linearizably from a surviving member. */
async function keysOnSurvivors(cluster: Cluster, killed: number): Promise<Set<string>> {
  const url = cluster.clientUrls.find((_, i) => i !== killed) ?? unreachable();
  const client = new GrpcLoadClient(url);
  try {
    const reply = await client.call(
      '/etcdserverpb.KV/Range',
      encodeRangePrefixKeys(Buffer.from(prefix)),
      limits.readyTimeoutMs,
    );
    // RangeResponse.kvs = 2; KeyValue.key = 1.
    const kvs = bytesFields(unaryMessage(reply), 2);
    return new Set(kvs.map((kv) => (bytesFields(kv, 1)[0] ?? Buffer.alloc(0)).toString()));
  } finally {
    client.close();
  }
}
