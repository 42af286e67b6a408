// Goal: a snapshot file that passes its sha256 check but is not a keel store snapshot (an etcd
// server's bbolt file, say) fails the restore with exit 1, says why, and leaves no directory.
// Method: a real file in a temp dir; the restore run in-process. The whole path from
// `etcdctl snapshot save` to a serving member is in test/restore.test.ts.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseRestoreArgs } from './restore-args.js';
import { checkSnapshotFile, restoreFromFile } from './restore.js';

const dir = mkdtempSync(join(tmpdir(), 'keel-restore-file-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('restoreFromFile', () => {
  it('refuses a file that is not a keel store snapshot, exit 1, nothing left', async () => {
    const data = Buffer.alloc(4096, 0x42);
    const file = join(dir, 'bbolt.db');
    writeFileSync(file, Buffer.concat([data, createHash('sha256').update(data).digest()]));
    const dataDir = join(dir, 'new');
    const command = parseRestoreArgs([file, `--data-dir=${dataDir}`]);
    if (command.kind !== 'restore') throw new Error('expected a restore');
    const snapshotBytes = checkSnapshotFile(command.options);
    expect(snapshotBytes).toBe(4096);
    const err: string[] = [];
    const io = { stdout: () => undefined, stderr: (l: string) => err.push(l) };
    expect(await restoreFromFile({ ...command.options, snapshotBytes }, io)).toBe(1);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(
      /^keel: snapshot restore of ".*bbolt\.db" failed: not a kv-mvcc snapshot/,
    );
    expect(err[0]).toContain("an etcd server's snapshot is a bbolt database");
    expect(existsSync(dataDir)).toBe(false);
    expect(readdirSync(dir)).toEqual(['bbolt.db']);
  });
});
