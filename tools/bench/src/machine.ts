import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus, release, totalmem } from 'node:os';
import { basename } from 'node:path';
import { etcdBinary, keelLaunch } from './member-process.js';

/** The machine a run was measured on, as the page states it. */
export interface MachineInfo {
  readonly cores: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  /** The file system and device holding the data directories. */
  readonly disk: string;
  readonly kernel: string;
  readonly node: string;
  readonly etcd: string;
  /** How keel members were started (see `keelLaunch`). */
  readonly keel: string;
}

/** `df -PT` of `dir`: device, file-system type and size, and whether the device rotates. */
function describeDisk(dir: string): string {
  const out = execFileSync('df', ['-PT', dir], { encoding: 'utf8' }).trim().split('\n');
  const [device = '?', type = '?', blocksKb = '0'] = (out[1] ?? '').split(/\s+/);
  const rotational = `/sys/block/${basename(device)}/queue/rotational`;
  const kind = existsSync(rotational)
    ? readFileSync(rotational, 'utf8').trim() === '1'
      ? ', reported rotational'
      : ', reported non-rotational'
    : '';
  return `${device} (${type}, ${(Number(blocksKb) / 2 ** 20).toFixed(0)} GiB${kind})`;
}

/** Describes this machine; `dataDir` is where the members keep their data. */
export function describeMachine(dataDir: string): MachineInfo {
  const etcd = execFileSync(etcdBinary, ['--version'], { encoding: 'utf8' }).split('\n')[0] ?? '?';
  return {
    cores: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? '?',
    memoryGiB: totalmem() / 2 ** 30,
    disk: describeDisk(dataDir),
    kernel: `Linux ${release()}`,
    node: process.version,
    etcd: etcd.replace('etcd Version: ', 'etcd '),
    keel: keelLaunch(),
  };
}
