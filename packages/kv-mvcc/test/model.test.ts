// Goal: the store agrees with a plain in-memory model over random sequences of put, delete, txn,
// range at past revisions, compaction (with partial physical removal), watches from past
// revisions, leases, and reopen. Method: fast-check commands (fc.asyncModelRun) with bounded runs;
// every command compares the store's answer with the model's.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ApplyResult, WatchResponse } from '../src/types.js';
import { dec, enc, openTestStore, show, type TestStore } from './helpers.js';
import { Model, showModel } from './model.js';

type Real = { t: TestStore };
type Cmd = fc.AsyncCommand<Model, Real>;

const keyArb = fc.constantFrom('a', 'b', 'c', 'd', 'e');
const all = (t: TestStore, revision = 0): string[] =>
  t.store.range({ key: enc('a'), rangeEnd: enc('z'), revision }).kvs.map(show);
const codeOf = (r: ApplyResult | undefined): string =>
  r === undefined ? 'none' : 'error' in r ? r.error.code : 'ok';
const settle = async (): Promise<void> => {
  for (let i = 0; i < 3; i++) await new Promise<void>((r) => setImmediate(r));
};

function checkAll(m: Model, r: Real): void {
  expect(r.t.store.revision).toBe(m.rev);
  expect(all(r.t)).toEqual(m.range('a', 'z', m.rev).map(showModel));
}

const pickLease = (m: Model, i: number): number => {
  const ids = [...m.leases.keys()];
  return i === 0 || ids.length === 0 ? 0 : (ids[i % ids.length] ?? 0);
};

const cmd = (name: string, run: (m: Model, r: Real) => Promise<void> | void): Cmd => ({
  check: () => true,
  run: async (m, r) => {
    await run(m, r);
    checkAll(m, r);
  },
  toString: () => name,
});

const putCmd = fc.tuple(keyArb, fc.string({ maxLength: 3 }), fc.nat(3)).map(([k, v, li]) =>
  cmd(`put(${k},${v},${String(li)})`, (m, r) => {
    const lease = pickLease(m, li);
    const [res] = r.t.apply({ put: { key: enc(k), value: enc(v), lease } });
    expect(codeOf(res)).toBe('ok');
    m.write([{ put: k, value: v, lease }]);
  }),
);

const deleteCmd = fc.tuple(keyArb, fc.option(keyArb, { nil: undefined })).map(([k, end]) =>
  cmd(`delete(${k},${String(end)})`, (m, r) => {
    const [res] = r.t.apply({
      deleteRange: { key: enc(k), rangeEnd: end === undefined ? undefined : enc(end) },
    });
    expect(codeOf(res)).toBe('ok');
    const keys = end === undefined ? [k] : m.range(k, end, m.rev).map((c) => c.key);
    m.write(keys.map((del) => ({ del })));
  }),
);

const txnCmd = fc.tuple(keyArb, fc.nat(2), keyArb, keyArb).map(([ck, ver, pk, dk]) =>
  cmd(`txn(${ck} ver=${String(ver)} ? put ${pk} : del ${dk})`, (m, r) => {
    const res = r.t.do1({
      txn: {
        compare: [{ key: enc(ck), target: 'VERSION', result: 'EQUAL', version: ver }],
        success: [
          { requestPut: { key: enc(pk), value: enc('t') } },
          { requestRange: { key: enc(pk) } },
        ],
        failure: [{ requestDeleteRange: { key: enc(dk) } }],
      },
    });
    const ok = (m.at(ck, m.rev)?.version ?? 0) === ver;
    expect('txn' in res && res.txn.succeeded).toBe(ok);
    m.write(ok ? [{ put: pk, value: 't', lease: 0 }] : [{ del: dk }]);
  }),
);

const rangeAtCmd = fc.tuple(keyArb, keyArb, fc.nat(100)).map(([lo, hi, pick]) =>
  cmd(`rangeAt(${lo},${hi},${String(pick)})`, (m, r) => {
    const span = m.rev - m.compactRev + 1;
    const at = Math.max(1, m.compactRev + (pick % span));
    if (at > m.rev) return;
    const got = r.t.store.range({ key: enc(lo), rangeEnd: enc(hi), revision: at });
    const want = lo < hi ? m.range(lo, hi, at) : [];
    expect(got.kvs.map(show)).toEqual(want.map(showModel));
    expect(got.count).toBe(want.length);
  }),
);

const compactCmd = fc.tuple(fc.nat(100), fc.nat(2)).map(([pick, steps]) =>
  cmd(`compact(${String(pick)},${String(steps)})`, (m, r) => {
    if (m.rev <= m.compactRev) return;
    const at = m.compactRev + 1 + (pick % (m.rev - m.compactRev));
    expect(codeOf(r.t.apply({ compaction: { revision: at } })[0])).toBe('ok');
    m.compactRev = at;
    for (let i = 0; i < steps; i++) r.t.store.compactStep();
  }),
);

const watchCmd = fc.tuple(keyArb, fc.nat(100)).map(([lo, pick]) =>
  cmd(`watch(${lo}..,${String(pick)})`, async (m, r) => {
    const start = m.compactRev + 1 + (pick % (m.rev - m.compactRev + 1));
    const got: WatchResponse[] = [];
    const h = r.t.store.watch({ key: enc(lo), rangeEnd: enc('z'), startRevision: start }, (x) =>
      got.push(x),
    );
    await settle();
    h.cancel();
    const events = got.flatMap((x) =>
      x.events.map((e) => `${e.type} ${dec(e.kv.key)}@${String(e.kv.modRevision)}`),
    );
    const want = m
      .changesFrom(start, lo, 'z')
      .map((c) => `${c.tombstone ? 'DELETE' : 'PUT'} ${c.key}@${String(c.main)}`);
    expect(events).toEqual(want);
  }),
);

const grantCmd = fc.nat(100).map((ttl) =>
  cmd(`grant(${String(ttl)})`, (m, r) => {
    const res = r.t.do1({ leaseGrant: { TTL: ttl } });
    const id = m.nextLeaseId++;
    expect('leaseGrant' in res && res.leaseGrant.ID).toBe(id);
    m.leases.set(id, ttl);
  }),
);

const revokeCmd = fc.nat(5).map((i) =>
  cmd(`revoke(${String(i)})`, (m, r) => {
    const id = pickLease(m, i + 1);
    if (id === 0) return;
    const keys = m.leaseKeys(id);
    expect(r.t.store.leaseTimeToLive({ ID: id, keys: true }).keys.map(dec)).toEqual(keys);
    expect(codeOf(r.t.apply({ leaseRevoke: { ID: id } })[0])).toBe('ok');
    m.write(keys.map((del) => ({ del })));
    m.leases.delete(id);
  }),
);

const reopenCmd = fc.constant(
  cmd('reopen', async (m, r) => {
    await r.t.reopen();
    expect(r.t.store.compactRevision).toBe(m.compactRev);
    expect(r.t.store.leaseLeases().leases.map((l) => l.ID)).toEqual(
      [...m.leases.keys()].sort((a, b) => a - b),
    );
  }),
);

describe('MvccStore against the reference model', () => {
  it('agrees on random command sequences', async () => {
    const cmds = [
      putCmd,
      putCmd,
      deleteCmd,
      txnCmd,
      rangeAtCmd,
      compactCmd,
      watchCmd,
      grantCmd,
      revokeCmd,
      reopenCmd,
    ];
    await fc.assert(
      fc.asyncProperty(fc.commands(cmds, { maxCommands: 60, size: 'max' }), async (commands) => {
        const real: Real = { t: openTestStore() };
        try {
          await fc.asyncModelRun(() => ({ model: new Model(), real }), commands);
        } finally {
          await real.t.dispose();
        }
      }),
      { numRuns: 30 },
    );
  }, 60_000);
});
