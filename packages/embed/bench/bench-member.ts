// One member of the benchmark in an OS process of its own: starts a server from the config JSON
// in argv[2] and answers the parent over IPC. `{ op: 'load', callers, durationMs, profileFile? }`
// runs closed-loop puts through this member's in-process API (the caller and the server share
// the process) and answers `{ load }` with throughput, latencies and the write-path counts over
// the run; with `profileFile` the run is CPU-profiled, the profile written there and its summary
// returned. `{ op: 'stop' }` closes the server and exits. It reports `{ event: 'leader' }` on
// every leader change.
import { writeFileSync } from 'node:fs';
import { profileCpu, runClosedLoop, summarizeCpuProfile } from '@keel/bench-kit';
import type { CpuProfileSummary } from '@keel/bench-kit';
import { startServer, type Server, type ServerConfig } from '../src/index.js';

/** A request from the parent. */
export type MemberCommand =
  | {
      readonly op: 'load';
      readonly callers: number;
      readonly durationMs: number;
      readonly profileFile?: string;
    }
  | { readonly op: 'stop' };

/** Write-path counters of one member, read from its metrics. */
export interface WriteCounts {
  /** Entries applied (the applied index). */
  readonly applied: number;
  /** Durable WAL writes the driver waited for. */
  readonly walSyncs: number;
  /** Durable commits of the kv store. */
  readonly backendSyncs: number;
}

/** What a load run measured. */
export interface LoadReport {
  readonly opsPerSec: number;
  readonly ops: number;
  readonly errors: number;
  readonly firstError?: string;
  readonly p50Us: number;
  readonly p99Us: number;
  /** Counts over the run (after minus before). */
  readonly counts: WriteCounts;
  readonly profile?: CpuProfileSummary;
}

const value = new Uint8Array(256).fill(0x5a);

async function histogramCount(server: Server, name: string): Promise<number> {
  const metric = server.metrics.registry.getSingleMetric(name);
  if (metric === undefined) return 0;
  const { values } = await metric.get();
  const count = values.find((v) => (v as { metricName?: string }).metricName === `${name}_count`);
  return count?.value ?? 0;
}

async function writeCounts(server: Server): Promise<WriteCounts> {
  return {
    applied: server.appliedIndex,
    walSyncs: await histogramCount(server, 'etcd_disk_wal_fsync_duration_seconds'),
    backendSyncs: await histogramCount(server, 'etcd_disk_backend_commit_duration_seconds'),
  };
}

async function load(
  server: Server,
  cmd: Extract<MemberCommand, { op: 'load' }>,
): Promise<LoadReport> {
  const before = await writeCounts(server);
  const run = (): ReturnType<typeof runClosedLoop> =>
    runClosedLoop({ concurrency: cmd.callers, durationMs: cmd.durationMs }, (i) =>
      server.kv.put({ key: Buffer.from(`key-${String(i % 10_000)}`), value }),
    );
  let profile: CpuProfileSummary | undefined;
  let r: Awaited<ReturnType<typeof runClosedLoop>>;
  if (cmd.profileFile === undefined) r = await run();
  else {
    const p = await profileCpu(run);
    writeFileSync(cmd.profileFile, JSON.stringify(p.profile));
    profile = summarizeCpuProfile(p.profile);
    r = p.result;
  }
  const after = await writeCounts(server);
  return {
    opsPerSec: r.opsPerSec,
    ops: r.ops,
    errors: r.errors,
    ...(r.firstError === undefined
      ? {}
      : {
          firstError:
            r.firstError instanceof Error ? r.firstError.message : JSON.stringify(r.firstError),
        }),
    p50Us: r.latencyUs.p50,
    p99Us: r.latencyUs.p99,
    counts: {
      applied: after.applied - before.applied,
      walSyncs: after.walSyncs - before.walSyncs,
      backendSyncs: after.backendSyncs - before.backendSyncs,
    },
    ...(profile === undefined ? {} : { profile }),
  };
}

const send = (m: object): void => {
  process.send?.(m);
};

const server = await startServer(JSON.parse(process.argv[2] ?? '{}') as ServerConfig);
server.onLeaderChange((c) => {
  send({ event: 'leader', leaderId: c.leaderId });
});
send({ event: 'started', memberId: server.memberId, leaderId: server.leaderId });

process.on('message', (raw) => {
  const cmd = raw as MemberCommand;
  if (cmd.op === 'stop') {
    void server.close({ skipLeaderTransfer: true }).finally(() => process.exit(0)); // exit handles any close error by ending the process
    return;
  }
  load(server, cmd).then(
    (report) => {
      send({ load: report });
    },
    (e: unknown) => {
      send({ error: String(e) });
    },
  );
});
