// The fault schedule. One fault at a time, every choice drawn from the run's seeded generator:
// quiet for a while, then one of the enabled faults on a random target, held for a while, then
// healed. Faults: SIGKILL and restart from the same data directory; SIGSTOP then SIGCONT;
// a network partition (keel only, through each member's test-only fault endpoint: one member
// isolated, or the cluster split into a minority and a majority); a leader transfer (MoveLeader
// sent to the leader, where the cluster serves it); a membership change (the member removed,
// wiped, added back as a learner and promoted; a leader is removed directly half the time, and
// half the time hands leadership away first, as an operator would).
import type { Cluster } from './cluster.js';
import { sleep } from './clients.js';
import { replaceMember } from './membership-fault.js';
import type { Prng } from './prng.js';

/** The faults the runner knows. */
export const faultKinds = ['kill', 'pause', 'partition', 'transfer', 'membership'] as const;
/** One kind of fault. */
export type FaultKind = (typeof faultKinds)[number];

/** One fault as it was injected, for the run's log and summary. */
export interface FaultRecord {
  readonly kind: FaultKind;
  readonly atMs: number;
  readonly detail: string;
}

/** Timing of the schedule, in milliseconds. */
export interface NemesisTiming {
  readonly quietMs: readonly [lo: number, hi: number];
  readonly holdMs: readonly [lo: number, hi: number];
}

interface Ctx {
  readonly cluster: Cluster;
  readonly prng: Prng;
  readonly signal: AbortSignal;
  readonly timing: NemesisTiming;
}

async function faultEndpoint(
  cluster: Cluster,
  i: number,
  req: { method: string; path: string; body?: string },
) {
  const url = cluster.members[i]?.spec.faultUrl;
  if (url === undefined) throw new Error(`member ${i} has no fault endpoint`);
  const res = await fetch(`${url}${req.path}`, { method: req.method, body: req.body ?? null });
  if (res.status !== 204)
    throw new Error(`fault endpoint of member ${i}: ${res.status} ${await res.text()}`);
}

/** Cuts every link between `side` and the other members, both ways. */
async function partition(cluster: Cluster, side: ReadonlySet<number>): Promise<void> {
  const calls = [];
  for (let a = 0; a < cluster.members.length; a++) {
    for (let b = 0; b < cluster.members.length; b++) {
      if (side.has(a) === side.has(b)) continue;
      const body = JSON.stringify({ partitioned: true });
      calls.push(
        faultEndpoint(cluster, a, { method: 'PUT', path: `/peers/${cluster.ids[b] ?? ''}`, body }),
      );
    }
  }
  await Promise.all(calls);
}

/** Clears every link fault of every member. */
export async function healPartitions(cluster: Cluster): Promise<void> {
  if (cluster.kind !== 'keel') return;
  await Promise.all(
    cluster.members.map((_, i) => faultEndpoint(cluster, i, { method: 'DELETE', path: '/peers' })),
  );
}

async function hold(ctx: Ctx): Promise<void> {
  await sleep(ctx.prng.between(...ctx.timing.holdMs), ctx.signal);
}

async function killAndRestart(ctx: Ctx, target: number): Promise<string> {
  const m = ctx.cluster.members[target];
  if (m === undefined) return 'no member';
  await m.kill();
  await hold(ctx);
  m.start();
  await ctx.cluster.waitReady(target);
  return m.spec.name;
}

async function pauseAndResume(ctx: Ctx, target: number): Promise<string> {
  const m = ctx.cluster.members[target];
  if (m === undefined) return 'no member';
  m.pause();
  await hold(ctx);
  m.resume();
  return m.spec.name;
}

async function splitAndHeal(ctx: Ctx, leader: number | undefined): Promise<string> {
  const n = ctx.cluster.members.length;
  const minority = new Set<number>();
  // Half the time the leader alone (it must step down); otherwise a random minority.
  if (leader !== undefined && ctx.prng.next() < 0.5) minority.add(leader);
  else {
    const size = ctx.prng.between(1, Math.floor((n - 1) / 2));
    while (minority.size < size) minority.add(ctx.prng.int(n));
  }
  await partition(ctx.cluster, minority);
  await hold(ctx);
  await healPartitions(ctx.cluster);
  const names = [...minority].map((i) => ctx.cluster.members[i]?.spec.name ?? '?');
  return `${names.join('+')} cut off`;
}

/** Sends MoveLeader to the leader; returns what happened, or 'unsupported'. */
async function transfer(ctx: Ctx, leader: number | undefined): Promise<string> {
  if (leader === undefined) return 'no leader';
  const others = ctx.cluster.ids.map((_, i) => i).filter((i) => i !== leader);
  const target = ctx.prng.pick(others);
  const client = ctx.cluster.clients[leader];
  const targetId = BigInt(`0x${ctx.cluster.ids[target] ?? '0'}`).toString();
  try {
    await client?.maintenance.moveLeader({ targetID: targetId });
  } catch (e) {
    const text = e instanceof Error ? e.message : String(e);
    if (/not supported|unimplemented/i.test(text)) return 'unsupported';
    return `m${leader + 1} -> m${target + 1} refused: ${text}`;
  }
  return `m${leader + 1} -> m${target + 1}`;
}

/** The membership fault on `target`; a leader first hands leadership away half the time. */
async function replace(ctx: Ctx, target: number, leader: number | undefined): Promise<string> {
  let note = '';
  if (target === leader) {
    note =
      ctx.prng.next() < 0.5 ? `leader, moved first (${await transfer(ctx, leader)})` : 'leader';
  }
  const membership = { cluster: ctx.cluster, prng: ctx.prng, hold: () => hold(ctx) };
  return replaceMember(membership, target, note);
}

async function inject(ctx: Ctx, kind: FaultKind): Promise<string> {
  const leader = await ctx.cluster.leader();
  const target =
    leader !== undefined && ctx.prng.next() < 0.4
      ? leader
      : ctx.prng.int(ctx.cluster.members.length);
  switch (kind) {
    case 'kill':
      return killAndRestart(ctx, target);
    case 'pause':
      return pauseAndResume(ctx, target);
    case 'partition':
      return splitAndHeal(ctx, leader);
    case 'transfer':
      return transfer(ctx, leader);
    case 'membership':
      return replace(ctx, target, leader);
  }
}

function shuffled<T>(items: readonly T[], prng: Prng): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = prng.int(i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/**
 * Injects faults of the enabled kinds until `signal` aborts; each fault is healed before the
 * next. A kind the cluster does not serve (MoveLeader on a server without it) is dropped after
 * its first try and reported through `onFault` with the detail `unsupported`.
 */
export async function runNemesis(
  ctx: Ctx & { readonly kinds: readonly FaultKind[] },
  onFault: (f: FaultRecord) => void,
): Promise<void> {
  const kinds = [...ctx.kinds];
  const t0 = performance.now();
  const stopped = (): boolean => ctx.signal.aborted;
  const bag: FaultKind[] = [];
  while (!stopped() && kinds.length > 0) {
    await sleep(ctx.prng.between(...ctx.timing.quietMs), ctx.signal);
    if (stopped()) break;
    // Kinds come in shuffled rounds (each enabled kind once per round), so even a short run
    // injects every kind.
    if (bag.length === 0) bag.push(...shuffled(kinds, ctx.prng));
    const kind = bag.pop() ?? ctx.prng.pick(kinds);
    if (!kinds.includes(kind)) continue;
    const atMs = Math.round(performance.now() - t0);
    const detail = await inject(ctx, kind);
    if (detail === 'unsupported') kinds.splice(kinds.indexOf(kind), 1);
    onFault({ kind, atMs, detail });
  }
}
