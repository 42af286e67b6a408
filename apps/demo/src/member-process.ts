import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { DemoError } from './errors.js';
import { memberStartMs, memberStopMs, stderrTailLines } from './limits.js';

const require = createRequire(import.meta.url);
/** The `keel` command's entry module (TypeScript, run through tsx as `bin/keel.js` does). */
const keelMain = require.resolve('@keel/keel/main');
const tsxLoader = require.resolve('tsx');

/** What a member of the local cluster is: its name, URLs, data directory and cluster. */
export interface MemberSpec {
  readonly name: string;
  readonly clientUrl: string;
  readonly peerUrl: string;
  readonly dataDir: string;
  /** etcd's `--initial-cluster` value, the same for every member. */
  readonly initialCluster: string;
  readonly clusterToken: string;
}

/** The `keel` flags that start `spec`, etcd's names and meanings. */
export function keelFlags(spec: MemberSpec): string[] {
  return [
    `--name=${spec.name}`,
    `--data-dir=${spec.dataDir}`,
    `--listen-client-urls=${spec.clientUrl}`,
    `--advertise-client-urls=${spec.clientUrl}`,
    `--listen-peer-urls=${spec.peerUrl}`,
    `--initial-advertise-peer-urls=${spec.peerUrl}`,
    `--initial-cluster=${spec.initialCluster}`,
    `--initial-cluster-token=${spec.clusterToken}`,
    '--log-level=error',
  ];
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/**
 * One member of the local cluster as a `keel` OS process. The process is started directly (not
 * through `bin/keel.js`, which would outlive a SIGKILL of itself) in a process group of its own,
 * so Ctrl-C in a terminal reaches the demo only and the demo stops the members in order. It can
 * be killed and started again from the same data directory.
 */
export class MemberProcess {
  readonly spec: MemberSpec;
  #child: ChildProcess | undefined;
  #serving = false;
  #stderrTail: string[] = [];

  constructor(spec: MemberSpec) {
    this.spec = spec;
  }

  get name(): string {
    return this.spec.name;
  }

  /** The current process's id, or undefined when none runs. */
  get pid(): number | undefined {
    const child = this.#child;
    return child !== undefined && isRunning(child) ? child.pid : undefined;
  }

  /** Whether the member's process runs and has said it serves clients. */
  get isServing(): boolean {
    return this.#serving && this.pid !== undefined;
  }

  /**
   * Starts the process and resolves once it serves clients. `onExit` hears of its exit.
   *
   * @throws DemoError MEMBER_EXITED when it exits (or does not serve within `memberStartMs`),
   * with the end of its stderr, which says why (a port in use, a data directory of another
   * cluster).
   */
  async start(onExit: (code: number | null, signal: NodeJS.Signals | null) => void): Promise<void> {
    if (this.pid !== undefined) throw new Error(`member ${this.name} already runs`);
    const child = spawn(
      process.execPath,
      ['--conditions=@keel/source', '--import', tsxLoader, keelMain, ...keelFlags(this.spec)],
      { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
    );
    this.#child = child;
    this.#serving = false;
    this.#stderrTail = [];
    const serving = this.#watchStderr(child);
    child.once('exit', (code, signal) => {
      this.#serving = false;
      onExit(code, signal);
    });
    await serving;
    this.#serving = true;
  }

  #watchStderr(child: ChildProcess): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        fail(`did not serve clients within ${memberStartMs / 1000} s`);
        child.kill('SIGKILL');
      }, memberStartMs);
      const fail = (why: string) => {
        clearTimeout(timer);
        const tail = this.#stderrTail.join('\n');
        reject(
          new DemoError({
            code: 'MEMBER_EXITED',
            message: `member ${this.name} ${why}${tail === '' ? '' : `:\n${tail}`}`,
          }),
        );
      };
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (chunk: string) => {
        for (const line of chunk.split('\n').filter((l) => l !== '')) {
          this.#stderrTail.push(line);
          if (this.#stderrTail.length > stderrTailLines) this.#stderrTail.shift();
          if (line.includes(' serving clients at ')) {
            clearTimeout(timer);
            resolve();
          }
        }
      });
      // 'close' comes after the last of stderr, so the tail is complete.
      child.once('close', (code, signal) => {
        fail(`exited (${signal ?? `code ${String(code)}`}) before serving clients`);
      });
      child.once('error', (e) => {
        fail(`could not be started (${e.message})`);
      });
    });
  }

  /** Sends `signal` to the running process, if any; resolves when it has exited. */
  async kill(signal: NodeJS.Signals): Promise<void> {
    const child = this.#child;
    if (child === undefined || !isRunning(child)) return;
    const exited = new Promise<void>((resolve) =>
      child.once('exit', () => {
        resolve();
      }),
    );
    child.kill(signal);
    await exited;
  }

  /** Stops the member: SIGTERM (it closes cleanly), SIGKILL if it is still there after a bound. */
  async stop(): Promise<void> {
    const timer = setTimeout(() => this.#child?.kill('SIGKILL'), memberStopMs);
    await this.kill('SIGTERM');
    clearTimeout(timer);
  }

  /** Kills the process at once, synchronously (for the demo's own exit). */
  killNow(): void {
    if (this.pid !== undefined) this.#child?.kill('SIGKILL');
  }
}
