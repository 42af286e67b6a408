// `etcdctl check perf --load=s` against one embedded member (etcd's defaults, fsync on): etcd's
// own check of a write path, 50 clients writing for 60 s. Its three verdicts are printed as JSON
// lines beside the limits etcdctl 3.4 applies for that load (throughput at least 90% of 150
// writes/s, slowest request under 0.5 s, standard deviation under 0.1 s), then PASS or FAIL.
// A timed check, so it is a benchmark and not a test: on a loaded machine it measures the load.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reportFigure } from '@keel/bench-kit';
import { startServer } from '../src/index.js';

const bench = 'embed/etcdctl-check-perf-s';

function checkPerf(endpoint: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      '/usr/bin/etcdctl',
      [`--endpoints=${endpoint}`, 'check', 'perf', '--load=s'],
      { env: { ...process.env, ETCDCTL_API: '3' }, timeout: 120_000, maxBuffer: 1 << 24 },
      (err, stdout, stderr) => {
        if (err !== null && typeof err.code !== 'number') reject(new Error(err.message));
        else resolve(stdout + stderr);
      },
    );
  });
}

/** The number in the verdict line that starts with one of `prefixes`. */
function verdictNumber(lines: readonly string[], prefixes: readonly string[]): number {
  const line = lines.find((l) => prefixes.some((p) => l.startsWith(p)));
  const n = Number(/([\d.]+)(?:s| writes\/s)$/.exec(line ?? '')?.[1]);
  if (!Number.isFinite(n)) throw new Error(`etcdctl printed no verdict for ${prefixes[0] ?? ''}`);
  return n;
}

const dir = mkdtempSync(join(tmpdir(), 'keel-check-perf-'));
const server = await startServer({
  name: 'perf',
  dataDir: dir,
  listenClientUrls: ['http://127.0.0.1:0'],
  advertiseClientUrls: ['http://127.0.0.1:0'],
});
try {
  await server.ready;
  process.stderr.write('etcdctl check perf --load=s: 60 s\n');
  const out = await checkPerf((server.clientUrls[0] ?? '').replace(/^http:\/\//, ''));
  const lines = out.split('\n').map((l) => l.trim());
  const throughput = verdictNumber(lines, ['PASS: Throughput is', 'FAIL: Throughput too low:']);
  const slowest = verdictNumber(lines, [
    'PASS: Slowest request took',
    'Slowest request took too long:',
  ]);
  const stddev = verdictNumber(lines, ['PASS: Stddev is', 'Stddev too high:']);
  const base = { bench, baseline: "etcdctl 3.4's limit for --load=s" };
  reportFigure({
    ...base,
    metric: 'throughput',
    value: throughput,
    unit: 'writes/s',
    baselineValue: 135,
  });
  reportFigure({
    ...base,
    metric: 'slowest request',
    value: slowest,
    unit: 's',
    baselineValue: 0.5,
    better: 'lower',
  });
  reportFigure({
    ...base,
    metric: 'stddev',
    value: stddev,
    unit: 's',
    baselineValue: 0.1,
    better: 'lower',
  });
  const verdict = lines.find((l) => l === 'PASS' || l === 'FAIL') ?? '(none)';
  process.stderr.write(`etcdctl check perf verdict: ${verdict}\n`);
} finally {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
