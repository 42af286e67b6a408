import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { limits } from './limits.js';

/** The two systems the side-by-side benchmark compares. */
export type SystemName = 'etcd' | 'keel';

/** Where one member listens and keeps its data. */
export interface MemberSpec {
  readonly name: string;
  readonly dataDir: string;
  readonly clientUrl: string;
  readonly peerUrl: string;
  /** etcd's `--initial-cluster`: every member as `name=peerUrl`. */
  readonly initialCluster: string;
}

/** The etcd 3.4 binary compared against (Debian's etcd-server). */
export const etcdBinary = '/usr/bin/etcd';

/**
 * The flags both systems get, identical: heartbeat 100 ms, election 1000 ms, loopback URLs, a
 * data directory of their own. Everything else is each system's default.
 */
export function memberFlags(m: MemberSpec): string[] {
  return [
    `--name=${m.name}`,
    `--data-dir=${m.dataDir}`,
    `--listen-client-urls=${m.clientUrl}`,
    `--advertise-client-urls=${m.clientUrl}`,
    `--listen-peer-urls=${m.peerUrl}`,
    `--initial-advertise-peer-urls=${m.peerUrl}`,
    `--initial-cluster=${m.initialCluster}`,
    '--initial-cluster-state=new',
    '--initial-cluster-token=bench-etcd',
    '--heartbeat-interval=100',
    '--election-timeout=1000',
    '--logger=zap',
    '--log-level=error',
  ];
}

/**
 * How to start the `keel` command: from apps/keel's build (`dist/main.js`, plain node) when this
 * tool runs from its own build, or from source through tsx when it runs from source (tests).
 */
function keelCommand(): string[] {
  const entry = import.meta.resolve('@keel/keel');
  const main = fileURLToPath(new URL(entry.endsWith('.ts') ? 'main.ts' : 'main.js', entry));
  if (!entry.endsWith('.ts')) return [main];
  return ['--conditions=@keel/source', '--import', import.meta.resolve('tsx'), main];
}

/** How `keel` members are started in this process: from the build, or from source (tests). */
export function keelLaunch(): string {
  return import.meta.resolve('@keel/keel').endsWith('.ts')
    ? 'from source through tsx (slower to start and to run than the build)'
    : 'from its build (`apps/keel/dist/main.js`, plain `node`)';
}

/** A member running as an OS process. */
export interface MemberProcess {
  readonly spec: MemberSpec;
  readonly system: SystemName;
  readonly pid: number;
  /** Resolves with the exit code (or signal) once the process has ended. */
  readonly exited: Promise<string>;
  /** The last few kilobytes of its stderr, for error reports. */
  stderrTail(): string;
}

/** Starts one member of `system` with `memberFlags(spec)`. Output other than stderr is dropped. */
export function spawnMember(system: SystemName, spec: MemberSpec): MemberProcess {
  const [file, args] =
    system === 'etcd'
      ? [etcdBinary, memberFlags(spec)]
      : [process.execPath, [...keelCommand(), ...memberFlags(spec)]];
  const child: ChildProcess = spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-limits.stderrTailBytes);
  });
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      resolve(signal ?? `code ${code ?? '?'}`);
    });
  });
  if (child.pid === undefined) throw new Error(`${system} could not be started (${file})`);
  return { spec, system, pid: child.pid, exited, stderrTail: () => stderr };
}

/** Sends SIGTERM and waits for the exit, then SIGKILL after `limits.stopGraceMs`. */
export async function stopMember(m: MemberProcess): Promise<void> {
  if (!signal(m, 'SIGTERM')) return;
  const timer = setTimeout(() => signal(m, 'SIGKILL'), limits.stopGraceMs);
  await m.exited;
  clearTimeout(timer);
}

/** Kills with SIGKILL (the failover scenario) and waits for the exit. */
export async function killMember(m: MemberProcess): Promise<void> {
  signal(m, 'SIGKILL');
  await m.exited;
}

function signal(m: MemberProcess, name: NodeJS.Signals): boolean {
  try {
    process.kill(m.pid, name);
    return true;
  } catch {
    return false; // already gone: nothing to stop
  }
}

/** Resident memory of a process in bytes (`VmRSS` of /proc/<pid>/status). */
export function residentBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kb) * 1024;
}

/**
 * CPU time a process has used so far, in seconds (user + system, from /proc/<pid>/stat, in
 * clock ticks of 1/100 s as on Linux), or 0 once it is gone.
 */
export function cpuSeconds(pid: number): number {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return 0;
  }
  // Fields after the command name (which may hold spaces) start at ") ": utime and stime are
  // fields 14 and 15 of the whole line, so 12 and 13 after it.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) / limits.clockTicksPerSec;
}
