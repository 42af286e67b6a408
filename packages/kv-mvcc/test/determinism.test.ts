// Goal: the store is deterministic. Two stores fed the same random requests, in different batch
// sizes and with physical compaction at different paces, have equal HashKV at every revision and,
// once compaction has finished, byte-identical snapshots. Method: fast-check generates request
// lists; a fixed seed keeps CI reproducible.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ApplyRequest } from '../src/types.js';
import { enc, openTestStore } from './helpers.js';

const keyArb = fc.constantFrom('a', 'b', 'c', 'd');
const requestArb: fc.Arbitrary<ApplyRequest> = fc.oneof(
  fc
    .record({ k: keyArb, v: fc.string({ maxLength: 4 }), l: fc.constantFrom(0, 1) })
    .map(({ k, v, l }): ApplyRequest => ({ put: { key: enc(k), value: enc(v), lease: l } })),
  fc
    .tuple(keyArb, keyArb)
    .map(([k, e]): ApplyRequest => ({ deleteRange: { key: enc(k), rangeEnd: enc(e) } })),
  fc.tuple(keyArb, keyArb).map(([k, p]): ApplyRequest => ({
    txn: {
      compare: [{ key: enc(k), target: 'VERSION', result: 'GREATER', version: 1 }],
      success: [{ requestPut: { key: enc(p), value: enc('s') } }],
      failure: [{ requestDeleteRange: { key: enc(k) } }],
    },
  })),
  fc.nat(40).map((r): ApplyRequest => ({ compaction: { revision: r } })),
  fc.constant<ApplyRequest>({ leaseGrant: { TTL: 10, ID: 1 } }),
  fc.constant<ApplyRequest>({ leaseRevoke: { ID: 1 } }),
);

async function snapshotBytes(t: ReturnType<typeof openTestStore>): Promise<Buffer> {
  await t.store.runCompaction();
  return Buffer.concat([...t.store.snapshot()]);
}

describe('determinism', () => {
  it('gives equal HashKV at every revision and equal snapshots for the same requests', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(requestArb, { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 7 }),
        async (reqs, batch) => {
          const a = openTestStore();
          const b = openTestStore();
          try {
            a.store.apply(reqs.map((request, i) => ({ index: i + 1, request })));
            for (let i = 0; i < reqs.length; i += batch) {
              const slice = reqs
                .slice(i, i + batch)
                .map((request, j) => ({ index: i + j + 1, request }));
              b.store.apply(slice);
              b.store.compactStep();
            }
            expect([b.store.revision, b.store.consistentIndex]).toEqual([
              a.store.revision,
              a.store.consistentIndex,
            ]);
            for (let rev = a.store.compactRevision; rev <= a.store.revision; rev++) {
              if (rev === 0) continue;
              expect(b.store.hashKV({ revision: rev }).hash).toBe(
                a.store.hashKV({ revision: rev }).hash,
              );
            }
            expect((await snapshotBytes(b)).equals(await snapshotBytes(a))).toBe(true);
          } finally {
            await a.dispose();
            await b.dispose();
          }
        },
      ),
      { numRuns: 25, seed: 6 },
    );
  }, 60_000);

  it('hashes as store format 2 did: revision keys count as 16 bytes whatever their stored length', async () => {
    const t = openTestStore();
    try {
      const reqs: ApplyRequest[] = [
        { put: { key: enc('a'), value: enc('1') } },
        {
          txn: {
            compare: [],
            success: [
              { requestPut: { key: enc('b'), value: enc('2') } },
              { requestPut: { key: enc('c'), value: enc('3') } },
            ],
            failure: [],
          },
        },
        { deleteRange: { key: enc('a') } },
        { put: { key: enc('b'), value: enc('4') } },
      ];
      t.store.apply(reqs.map((request, i) => ({ index: i + 1, request })));
      // The hashes format 2 (16-byte keys for every revision) gave for this history.
      const hashes = [2, 3, 4, 5].map((revision) => t.store.hashKV({ revision }).hash);
      expect(hashes).toEqual([3228473951, 3204557348, 405623647, 1309634214]);
    } finally {
      await t.dispose();
    }
  });

  it('changes the hash when the history differs', async () => {
    const a = openTestStore();
    const b = openTestStore();
    try {
      a.do1({ put: { key: enc('k'), value: enc('1') } });
      b.do1({ put: { key: enc('k'), value: enc('2') } });
      expect(a.store.hashKV().hash).not.toBe(b.store.hashKV().hash);
    } finally {
      await a.dispose();
      await b.dispose();
    }
  });
});
