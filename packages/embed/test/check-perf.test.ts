// Goal: `etcdctl check perf --load=s` (etcd's own health check of a cluster's write path: 50
// clients writing for 60 s, then it deletes its keys) passes against an embedded member with
// etcd's default timing and fsync on. Method: a member on 127.0.0.1 port 0 in a temp dir, Debian's
// etcdctl 3.4 run to completion; the test reads its verdict lines. It takes about 65 s.
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Server } from '../src/index.js';
import { tempDir, within } from './helpers.js';

let server: Server;
let remove: () => Promise<void>;

beforeAll(async () => {
  const t = await tempDir();
  remove = t.remove;
  server = await startServer({
    name: 'perf',
    dataDir: t.dir,
    listenClientUrls: ['http://127.0.0.1:0'],
    advertiseClientUrls: ['http://127.0.0.1:0'],
  });
  await within(server.ready, 10_000, 'ready');
});

afterAll(async () => {
  await server.close();
  await remove();
});

function checkPerf(): Promise<{ code: number; out: string }> {
  const endpoint = (server.clientUrls[0] ?? '').replace(/^http:\/\//, '');
  return new Promise((resolve, reject) => {
    execFile(
      '/usr/bin/etcdctl',
      [`--endpoints=${endpoint}`, 'check', 'perf', '--load=s'],
      { env: { ...process.env, ETCDCTL_API: '3' }, timeout: 110_000, maxBuffer: 1 << 24 },
      (err, stdout, stderr) => {
        if (err !== null && typeof err.code !== 'number') {
          reject(new Error(err.message));
          return;
        }
        resolve({ code: err === null ? 0 : Number(err.code), out: stdout + stderr });
      },
    );
  });
}

describe('etcdctl check perf', () => {
  it('passes --load=s against one member', { timeout: 120_000 }, async () => {
    const { code, out } = await checkPerf();
    // The progress bar is one long line; the verdicts are the last four.
    const verdicts = out.trim().split('\n').slice(-4);
    expect(verdicts[0]).toMatch(/^PASS: Throughput is \d+ writes\/s$/);
    expect(verdicts[1]).toMatch(/^PASS: Slowest request took [\d.]+s$/);
    expect(verdicts[2]).toMatch(/^PASS: Stddev is [\d.]+s$/);
    expect(verdicts[3]).toBe('PASS');
    expect(code).toBe(0);
    // It deleted what it wrote.
    const left = await server.kv.range({
      key: Buffer.from('/etcdctl-check-perf/'),
      rangeEnd: Buffer.from('/etcdctl-check-perf0'), // the prefix's end
      countOnly: true,
    });
    expect(left.count).toBe(0);
  });
});
