// Goal: the member table at the head of a snapshot body reads back as written, with the offset
// where the store's stream starts; a missing, truncated, garbled or malformed head is
// DATA_DIR_DAMAGED, never a table.
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isEmbedError } from './errors.js';
import { encodeSnapshotHead, readSnapshotHead, type MemberTable } from './snapshot-head.js';

const table: MemberTable = {
  members: [
    { id: 7, name: 'a', peerUrls: ['http://127.0.0.1:1'], clientUrls: ['http://127.0.0.1:2'] },
    { id: 9, name: '', peerUrls: ['http://127.0.0.1:3'], isLearner: true },
  ],
  removed: [5],
  appliedIndex: 42,
  base: [{ id: 7, name: 'a', peerUrls: ['http://127.0.0.1:1'] }],
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keel-head-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function fileWith(bytes: Buffer): string {
  const path = join(dir, 'snap');
  writeFileSync(path, bytes);
  return path;
}

describe('snapshot head', () => {
  it('reads back the table and where the store stream starts', () => {
    const head = encodeSnapshotHead(table);
    const path = fileWith(Buffer.concat([head, Buffer.from('KEELMVC1...')]));
    const got = readSnapshotHead(path);
    expect(got.table).toEqual(table);
    expect(got.storeOffset).toBe(head.length);
  });

  it('refuses a missing, truncated, garbled or malformed head (DATA_DIR_DAMAGED)', () => {
    const head = encodeSnapshotHead(table);
    const json = (v: unknown): Buffer => {
      const body = Buffer.from(JSON.stringify(v));
      const len = Buffer.alloc(4);
      len.writeUInt32BE(body.length);
      return Buffer.concat([Buffer.from('KEELMBR1'), len, body]);
    };
    const bad = [
      Buffer.from('KEELMVC1 a bare store stream'),
      head.subarray(0, head.length - 3),
      Buffer.concat([head.subarray(0, 12), Buffer.from('{not json'.padEnd(head.length - 12))]),
      json({ ...table, members: [{ id: -1, name: 'x', peerUrls: [] }] }),
      json({ ...table, appliedIndex: 'x' }),
      json([1, 2]),
    ];
    for (const bytes of bad) {
      expect(() => readSnapshotHead(fileWith(bytes))).toThrow(
        expect.toSatisfy((e: unknown) => isEmbedError(e, 'DATA_DIR_DAMAGED')),
      );
    }
  });
});
