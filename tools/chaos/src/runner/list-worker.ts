// The list-append workload (Jepsen's "append" shape on etcd): a key under `list/` holds a
// comma-separated list. A worker reads a list (a recorded read), then appends a unique element
// with a Txn that compares the key's mod revision with the one it read and puts the extended
// list (a recorded append: ok when the Txn succeeded, fail when its compare failed, since then
// nothing was written). A read shows every append before it, so a lost or reordered append
// stays visible in every later read.
import type { Etcd3 } from 'etcd3';
import type { HistoryRecorder } from '../history.js';
import type { ListAppendInput, ListAppendOutput } from '../models/list-append.js';
import { writeErrorOutcome } from './clients.js';
import { backOff, type StepResult, type WorkerContext } from './register-worker.js';

/** The key prefix of the list-append workload (watched as one range). */
export const listPrefix = 'list/';

type ListHistory = HistoryRecorder<ListAppendInput, ListAppendOutput>;

/** A stored list's elements; the empty string is the empty list. */
export function decodeList(value: string): string[] {
  return value === '' ? [] : value.split(',');
}

async function readList(client: Etcd3, key: string): Promise<{ values: string[]; modRev: number }> {
  const res = await client.kv.range({ key: Buffer.from(key) });
  const kv = res.kvs[0];
  return kv === undefined
    ? { values: [], modRev: 0 }
    : { values: decodeList(kv.value.toString()), modRev: Number(kv.mod_revision) };
}

async function appendTxn(
  client: Etcd3,
  input: { key: string; modRev: number; values: readonly string[] },
): Promise<boolean> {
  const key = Buffer.from(input.key);
  const res = await client.kv.txn({
    compare: [{ key, target: 'Mod', result: 'Equal', mod_revision: String(input.modRev) }],
    success: [{ request_put: { key, value: Buffer.from(input.values.join(',')) } }],
    failure: [],
  });
  return res.succeeded;
}

interface ListState {
  process: number;
  appends: number;
}

/** One read, then (if it worked) one append to the same key; both recorded. */
async function step(
  ctx: WorkerContext,
  io: { client: Etcd3; history: ListHistory },
  state: ListState,
): Promise<StepResult> {
  const key = `${listPrefix}${ctx.generation()}-${ctx.prng.int(ctx.keysPerGeneration)}`;
  const reading = io.history.invoke(state.process, { f: 'read', key });
  let seen;
  try {
    seen = await readList(io.client, key);
    reading('ok', { values: seen.values });
  } catch {
    reading('fail');
    return 'fail';
  }
  const value = `p${state.process}-${state.appends++}`;
  const appending = io.history.invoke(state.process, { f: 'append', key, value });
  try {
    const values = [...seen.values, value];
    const succeeded = await appendTxn(io.client, { key, modRev: seen.modRev, values });
    appending(succeeded ? 'ok' : 'fail');
    return 'ok';
  } catch (e) {
    appending(writeErrorOutcome(e));
    return writeErrorOutcome(e);
  }
}

/** Runs one list-append worker against `client` until `ctx.signal` aborts. */
export async function runListWorker(
  ctx: WorkerContext,
  client: Etcd3,
  history: ListHistory,
): Promise<void> {
  const state: ListState = { process: ctx.nextProcess(), appends: 0 };
  while (!ctx.signal.aborted) {
    const result = await step(ctx, { client, history }, state);
    if (result === 'ok') continue;
    if (result === 'unknown') {
      state.process = ctx.nextProcess();
      state.appends = 0;
    }
    await backOff(ctx);
  }
}
