// Goal: a cluster that cannot start fails fast with CLUSTER_FAILED naming the member and the
// cause, and leaves no process behind. Method: the real runner with an etcd binary that does not
// exist.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isChaosError } from '../errors.js';
import { Cluster } from './cluster.js';

describe('Cluster', () => {
  it('reports CLUSTER_FAILED when a member cannot start', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chaos-cluster-'));
    let error: unknown;
    try {
      await Cluster.start({ kind: 'etcd', size: 3, dir, etcdBinary: join(dir, 'no-such-etcd') });
    } catch (e) {
      error = e;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect(isChaosError(error, 'CLUSTER_FAILED')).toBe(true);
    expect((error as Error).message).toMatch(/^m1 could not start: spawn .*no-such-etcd ENOENT/);
  });
});
