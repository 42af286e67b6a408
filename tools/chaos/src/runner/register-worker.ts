// The register workload: each worker reads, writes and compare-and-sets keys under `reg/`, one
// operation at a time, through one member, recording every operation. A compare-and-set is a Txn
// comparing the key's mod revision with the one this worker last saw. Keys belong to a
// generation that changes every `keyGenerationMs`, so no key's history grows past what the
// linearizability search handles quickly (Jepsen's independent keys).
import type { Etcd3 } from 'etcd3';
import type { HistoryRecorder } from '../history.js';
import type { RegisterInput, RegisterOutput } from '../models/register.js';
import { sleep, writeErrorOutcome } from './clients.js';
import type { Prng } from './prng.js';

/** The key prefix of the register workload (watched as one range). */
export const registerPrefix = 'reg/';

/** What every worker of a run shares. */
export interface WorkerContext {
  readonly prng: Prng;
  readonly signal: AbortSignal;
  /** A fresh process number: a worker takes a new one after an unknown outcome (Jepsen's rule). */
  readonly nextProcess: () => number;
  /** The key generation in effect now. */
  readonly generation: () => number;
  /** Keys per generation. */
  readonly keysPerGeneration: number;
}

type RegisterHistory = HistoryRecorder<RegisterInput, RegisterOutput>;

interface WorkerState {
  process: number;
  writes: number;
  /** The mod revision this worker last saw per key (0: absent). */
  readonly seen: Map<string, number>;
}

async function read(client: Etcd3, key: string): Promise<{ value: string | null; modRev: number }> {
  const res = await client.kv.range({ key: Buffer.from(key) });
  const kv = res.kvs[0];
  return kv === undefined
    ? { value: null, modRev: 0 }
    : { value: kv.value.toString(), modRev: Number(kv.mod_revision) };
}

async function write(client: Etcd3, key: string, value: string): Promise<number> {
  const res = await client.kv.put({ key: Buffer.from(key), value: Buffer.from(value) });
  return Number(res.header.revision);
}

async function cas(
  client: Etcd3,
  input: { key: string; modRev: number; value: string },
): Promise<{ succeeded: boolean; modRev: number }> {
  const key = Buffer.from(input.key);
  const res = await client.kv.txn({
    compare: [{ key, target: 'Mod', result: 'Equal', mod_revision: String(input.modRev) }],
    success: [{ request_put: { key, value: Buffer.from(input.value) } }],
    failure: [{ request_range: { key } }],
  });
  if (res.succeeded) return { succeeded: true, modRev: Number(res.header.revision) };
  const kv = res.responses[0]?.response_range.kvs[0];
  return { succeeded: false, modRev: kv === undefined ? 0 : Number(kv.mod_revision) };
}

/** How a worker's operation ended, for the worker loop (the history has the details). */
export type StepResult = 'ok' | 'fail' | 'unknown';

/** Runs one operation and records it. */
async function step(
  ctx: WorkerContext,
  io: { client: Etcd3; history: RegisterHistory },
  state: WorkerState,
): Promise<StepResult> {
  const key = `${registerPrefix}${ctx.generation()}-${ctx.prng.int(ctx.keysPerGeneration)}`;
  const value = `p${state.process}-${state.writes++}`;
  const roll = ctx.prng.next();
  if (roll < 0.4) {
    const done = io.history.invoke(state.process, { f: 'read', key });
    try {
      const got = await read(io.client, key);
      state.seen.set(key, got.modRev);
      done('ok', got.value === null ? { value: null } : got);
      return 'ok';
    } catch {
      done('fail');
      return 'fail';
    }
  }
  if (roll < 0.7) {
    const done = io.history.invoke(state.process, { f: 'write', key, value });
    try {
      done('ok', { modRev: await write(io.client, key, value) });
      return 'ok';
    } catch (e) {
      done(writeErrorOutcome(e));
      return writeErrorOutcome(e);
    }
  }
  const modRev = state.seen.get(key) ?? 0;
  const done = io.history.invoke(state.process, { f: 'cas', key, expect: { modRev }, value });
  try {
    const got = await cas(io.client, { key, modRev, value });
    state.seen.set(key, got.modRev);
    done('ok', got.succeeded ? got : { succeeded: false });
    return 'ok';
  } catch (e) {
    done(writeErrorOutcome(e));
    return writeErrorOutcome(e);
  }
}

/** After an error, gives a member that stopped answering a moment instead of spinning on it. */
export function backOff(ctx: WorkerContext): Promise<void> {
  return sleep(ctx.prng.between(50, 250), ctx.signal);
}

/** Runs one register worker against `client` until `ctx.signal` aborts. */
export async function runRegisterWorker(
  ctx: WorkerContext,
  client: Etcd3,
  history: RegisterHistory,
): Promise<void> {
  const state: WorkerState = { process: ctx.nextProcess(), writes: 0, seen: new Map() };
  while (!ctx.signal.aborted) {
    const result = await step(ctx, { client, history }, state);
    if (result === 'ok') continue;
    if (result === 'unknown') {
      state.process = ctx.nextProcess();
      state.writes = 0;
    }
    await backOff(ctx);
  }
}
