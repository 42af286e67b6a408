// The membership fault, as an operator replaces a member: remove it from the cluster (MemberRemove
// through another member), stop its process (it exits by itself once it applied its removal, or
// is killed after a grace period), wipe its data directory, add it again as a learner
// (MemberAdd with isLearner, on its old peer URL or a new one), start it with
// `--initial-cluster-state existing` and the cluster's current `--initial-cluster`, and promote
// it once it caught up (MemberPromote, retried while the leader answers that the learner is not
// in sync yet). Each step is retried within a deadline; before retrying, the member list is
// consulted, since a call that timed out may have taken effect. The member keeps its name and
// client URL, so the workloads' clients find it again when it is back.
import { rm } from 'node:fs/promises';
import { freePort } from '@keel/bench-kit';
import type { Etcd3 } from 'etcd3';
import { ChaosError, isChaosError } from '../errors.js';
import { memberChangeTimeoutMs, removedExitGraceMs } from '../limits.js';
import { sleep } from './clients.js';
import type { Cluster } from './cluster.js';
import type { Prng } from './prng.js';

/** What the fault needs from the schedule. */
export interface MembershipContext {
  readonly cluster: Cluster;
  readonly prng: Prng;
  /** Waits for the schedule's hold time (the cluster runs without the member meanwhile). */
  readonly hold: () => Promise<void>;
}

/** One membership call: the attempt, and how to tell from the member list that it happened. */
interface ChangeStep<T> {
  readonly label: string;
  readonly client: (turn: number) => Promise<Etcd3>;
  readonly attempt: (client: Etcd3) => Promise<T>;
  readonly settled: (client: Etcd3) => Promise<T | undefined>;
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const toDecimal = (hex: string): string => BigInt(`0x${hex}`).toString();
const toHex = (decimal: string): string => BigInt(decimal).toString(16);

function clusterFailed(message: string): ChaosError {
  return new ChaosError({ code: 'CLUSTER_FAILED', message });
}

/** The client of a running member other than `target`, a different one on each turn. */
function otherClient(cluster: Cluster, target: number): (turn: number) => Promise<Etcd3> {
  return (turn) => {
    const up = cluster.members.flatMap((m, i) => (i !== target && m.state === 'up' ? [i] : []));
    const pick = up[turn % Math.max(1, up.length)];
    if (pick === undefined) return Promise.reject(clusterFailed('no other member is running'));
    return Promise.resolve(cluster.client(pick));
  };
}

/** How a step went: its result, its attempts, and the first refusal (for the fault log). */
interface Changed<T> {
  readonly value: T;
  readonly tries: string;
}

/** Runs `step` until it succeeds or the member list shows it happened. */
async function retryChange<T>(step: ChangeStep<T>): Promise<Changed<T>> {
  const until = performance.now() + memberChangeTimeoutMs;
  let last = 'no attempt';
  let first: string | undefined;
  const tries = (turn: number) =>
    turn === 0 ? '1 try' : `${turn + 1} tries, first refused: ${first ?? '?'}`;
  for (let turn = 0; performance.now() < until; turn++) {
    try {
      const client = await step.client(turn);
      try {
        return { value: await step.attempt(client), tries: tries(turn) };
      } catch (e) {
        last = errorText(e);
      }
      const done = await step.settled(client);
      if (done !== undefined) return { value: done, tries: tries(turn) };
    } catch (e) {
      last = errorText(e);
    }
    first ??= last;
    await sleep(250);
  }
  throw clusterFailed(`${step.label}: not done within ${memberChangeTimeoutMs} ms: ${last}`);
}

async function members(client: Etcd3) {
  return (await client.cluster.memberList({ linearizable: true })).members;
}

async function removeMember(ctx: MembershipContext, target: number): Promise<string> {
  const id = toDecimal(ctx.cluster.ids[target] ?? '0');
  const removed = await retryChange({
    label: `remove ${ctx.cluster.members[target]?.spec.name ?? '?'}`,
    client: otherClient(ctx.cluster, target),
    attempt: async (client) => {
      await client.cluster.memberRemove({ ID: id });
      return {};
    },
    settled: async (client) => ((await members(client)).some((m) => m.ID === id) ? undefined : {}),
  });
  return removed.tries;
}

async function addLearner(ctx: MembershipContext, target: number, peerUrl: string) {
  const found = (list: Awaited<ReturnType<typeof members>>) =>
    list.find((m) => m.peerURLs.includes(peerUrl))?.ID;
  return retryChange({
    label: `add ${ctx.cluster.members[target]?.spec.name ?? '?'} as a learner`,
    client: otherClient(ctx.cluster, target),
    attempt: async (client) =>
      (await client.cluster.memberAdd({ peerURLs: [peerUrl], isLearner: true })).member.ID,
    settled: async (client) => found(await members(client)),
  });
}

/** The leader's client (MemberPromote runs on the leader), or another member's if none is known. */
function leaderClient(cluster: Cluster, target: number): (turn: number) => Promise<Etcd3> {
  const other = otherClient(cluster, target);
  return async (turn) => {
    const leader = await cluster.leader();
    return leader === undefined || leader === target ? other(turn) : cluster.client(leader);
  };
}

async function promote(ctx: MembershipContext, target: number) {
  const id = toDecimal(ctx.cluster.ids[target] ?? '0');
  return retryChange({
    label: `promote ${ctx.cluster.members[target]?.spec.name ?? '?'}`,
    client: leaderClient(ctx.cluster, target),
    attempt: async (client) => {
      await client.cluster.memberPromote({ ID: id });
      return {};
    },
    settled: async (client) =>
      (await members(client)).some((m) => m.ID === id && !m.isLearner) ? {} : undefined,
  });
}

/**
 * Removes member `target`, wipes it, adds it back as a learner, starts it and promotes it.
 * Returns what happened, for the fault log; `note` (what was done before, such as moving the
 * leadership away) comes first.
 *
 * @throws ChaosError `CLUSTER_FAILED` when a step is not done within `memberChangeTimeoutMs`
 * or the member does not start; its message says what was done before.
 */
export async function replaceMember(
  ctx: MembershipContext,
  target: number,
  note: string,
): Promise<string> {
  const done: string[] = note === '' ? [] : [note];
  try {
    await replaceSteps(ctx, target, done);
  } catch (e) {
    if (!isChaosError(e)) throw e;
    throw new ChaosError({ code: e.code, message: [...done, e.message].join('; '), cause: e });
  }
  return done.join('; ');
}

async function replaceSteps(ctx: MembershipContext, target: number, done: string[]) {
  const { cluster, prng } = ctx;
  const m = cluster.members[target];
  if (m === undefined) return;
  const t0 = performance.now();
  const oldId = cluster.ids[target] ?? '?';
  const removeTries = await removeMember(ctx, target);
  const ended = await m.retire(removedExitGraceMs);
  done.push(`${m.spec.name} ${oldId} removed (${removeTries}), ${ended}`);
  await rm(m.spec.dataDir, { recursive: true, force: true });
  await ctx.hold();
  const samePeerUrl = prng.next() < 0.5;
  const peerUrl = samePeerUrl ? m.spec.peerUrl : `http://127.0.0.1:${await freePort()}`;
  const added = await addLearner(ctx, target, peerUrl);
  cluster.setId(target, toHex(added.value));
  done.push(
    `re-added as learner ${cluster.ids[target] ?? '?'} on ${samePeerUrl ? 'its old' : 'a new'} ` +
      `peer URL (${added.tries})`,
  );
  m.rejoin(peerUrl, cluster.joinCluster(target, peerUrl));
  m.start();
  await cluster.waitReady(target);
  const promoted = await promote(ctx, target);
  done.push(`promoted (${promoted.tries})`, `${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
