// Shared test helpers: stores in temporary directories (removed afterwards) and byte helpers.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'lmdb';
import { u64Bytes } from '../src/encoding.js';
import { MvccStore, type MvccStoreOptions } from '../src/store.js';
import type { ApplyRequest, ApplyResponse, ApplyResult, KeyValue } from '../src/types.js';

/** UTF-8 bytes of `s`. */
export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
/** `b` as UTF-8 text. */
export const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

/** A temporary directory and a function that removes it. */
export function tempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'kv-mvcc-'));
  return {
    dir,
    remove: () => {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A store in a fresh directory; `dispose` closes it and removes the directory. */
export interface TestStore {
  store: MvccStore;
  dir: string;
  /** Applies requests at the next indexes and returns their results. */
  apply: (...requests: ApplyRequest[]) => ApplyResult[];
  /** Applies one request and returns its response, throwing its error. */
  do1: (request: ApplyRequest) => ApplyResponse;
  reopen: () => Promise<void>;
  dispose: () => Promise<void>;
}

/** Opens a store in a fresh temporary directory. */
export function openTestStore(opts: Partial<MvccStoreOptions> = {}): TestStore {
  const { dir, remove } = tempDir();
  const t: TestStore = {
    store: MvccStore.open({ path: dir, unsafeNoSync: true, ...opts }),
    dir,
    apply: (...requests) => {
      const base = t.store.consistentIndex;
      return t.store.apply(requests.map((request, i) => ({ index: base + i + 1, request })));
    },
    do1: (request) => {
      const [r] = t.apply(request);
      if (r === undefined) throw new Error('no result');
      if ('error' in r) throw r.error;
      if ('skipped' in r) throw new Error('skipped');
      return r.response;
    },
    reopen: async () => {
      await t.store.close();
      t.store = MvccStore.open({ path: dir, unsafeNoSync: true, ...opts });
    },
    dispose: async () => {
      await t.store.close();
      remove();
    },
  };
  return t;
}

/**
 * Rewrites the format row of the closed store in `dir` with raw LMDB, as another version would
 * have left it: `undefined` removes it (format 1 had none).
 */
export async function setStoreFormat(dir: string, format: number | undefined): Promise<void> {
  const env = open<Buffer, Buffer>({
    path: dir,
    maxDbs: 8,
    encoding: 'binary',
    keyEncoding: 'binary',
  });
  const meta = env.openDB<Buffer, Buffer>({
    name: 'meta',
    encoding: 'binary',
    keyEncoding: 'binary',
  });
  const key = Buffer.from('format');
  await (format === undefined ? meta.remove(key) : meta.put(key, u64Bytes(format)));
  await env.close();
}

/** A key-value as plain text fields, for readable expectations. */
export function show(kv: KeyValue | undefined): string {
  if (kv === undefined) return 'none';
  return `${dec(kv.key)}=${dec(kv.value)} c${String(kv.createRevision)} m${String(kv.modRevision)} v${String(kv.version)} l${String(kv.lease)}`;
}
