// One cluster member as an OS process: a `keel` member (started from its TypeScript source through
// tsx, so the pid the runner signals is the member itself) or a real etcd, both from etcd's
// flags. The runner kills it with SIGKILL and restarts it from the same data directory, or
// freezes it with SIGSTOP and thaws it with SIGCONT. After the member was removed from the
// cluster, it retires the process (the member exits by itself, or is killed) and may start it
// again as a new member that joins the running cluster. Its output goes to `<name>.log`.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { assert } from '../assert.js';

/** Which server the members run. */
export type ClusterKind = 'keel' | 'etcd';

/** Where a member listens and keeps its data. */
export interface MemberSpec {
  readonly name: string;
  readonly clientUrl: string;
  readonly peerUrl: string;
  readonly dataDir: string;
  /** Keel only: the test-only fault endpoint (`--unsafe-fault-injection-url`). */
  readonly faultUrl?: string;
  /**
   * Set when the member joins a running cluster (`--initial-cluster-state existing`): the
   * cluster's members with their peer URLs, this one included, as `--initial-cluster` takes them.
   */
  readonly joinCluster?: string;
}

/** What every member of a cluster shares. */
export interface ClusterShape {
  readonly kind: ClusterKind;
  readonly initialCluster: string;
  readonly tickMs: number;
  readonly electionMs: number;
  /** The etcd binary (etcd only). */
  readonly etcdBinary: string;
}

/** The keel command's entry point in this workspace. */
const keelMain = fileURLToPath(new URL('../../../../apps/keel/src/main.ts', import.meta.url));
const keelDir = fileURLToPath(new URL('../../../../apps/keel/', import.meta.url));

function memberArgs(spec: MemberSpec, shape: ClusterShape): string[] {
  const args = [
    `--name=${spec.name}`,
    `--data-dir=${spec.dataDir}`,
    `--listen-client-urls=${spec.clientUrl}`,
    `--advertise-client-urls=${spec.clientUrl}`,
    `--listen-peer-urls=${spec.peerUrl}`,
    `--initial-advertise-peer-urls=${spec.peerUrl}`,
    `--initial-cluster=${spec.joinCluster ?? shape.initialCluster}`,
    '--initial-cluster-token=chaos',
    `--initial-cluster-state=${spec.joinCluster === undefined ? 'new' : 'existing'}`,
    `--heartbeat-interval=${shape.tickMs}`,
    `--election-timeout=${shape.electionMs}`,
    '--log-level=warn',
  ];
  if (shape.kind === 'etcd') return [...args, '--logger=zap'];
  assert(spec.faultUrl !== undefined, 'a keel member needs a fault endpoint URL');
  return [...args, `--unsafe-fault-injection-url=${spec.faultUrl}`];
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** SIGKILL, and waits for the process to be gone. */
async function killChild(child: ChildProcess): Promise<void> {
  if (hasExited(child)) return;
  const gone = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  child.kill('SIGKILL');
  await gone;
}

/** State of the process as the runner left it. */
export type MemberState = 'down' | 'up' | 'paused';

/** A member process that can be started, killed, paused and resumed. */
export class MemberProcess {
  #spec: MemberSpec;
  readonly #shape: ClusterShape;
  readonly #log: WriteStream;
  #child: ChildProcess | undefined;
  #state: MemberState = 'down';
  /** Exits the runner did not cause: `name exited with code/signal` lines. */
  readonly unexpectedExits: string[] = [];

  constructor(spec: MemberSpec, shape: ClusterShape, logPath: string) {
    this.#spec = spec;
    this.#shape = shape;
    this.#log = createWriteStream(logPath, { flags: 'a' });
  }

  get spec(): MemberSpec {
    return this.#spec;
  }

  get state(): MemberState {
    return this.#state;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Spawns the process; readiness is the cluster's business (a Status call). */
  start(): void {
    assert(this.#state === 'down', `${this.spec.name} is already running`);
    const args = memberArgs(this.spec, this.#shape);
    const child =
      this.#shape.kind === 'keel'
        ? spawn(
            process.execPath,
            ['--conditions=@keel/source', '--import', 'tsx', keelMain, ...args],
            {
              cwd: keelDir,
              stdio: ['ignore', 'pipe', 'pipe'],
            },
          )
        : spawn(this.#shape.etcdBinary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#log.write(`--- start pid ${child.pid ?? '?'}\n`);
    child.stdout.pipe(this.#log, { end: false });
    child.stderr.pipe(this.#log, { end: false });
    child.once('error', (e) => {
      this.unexpectedExits.push(`${this.spec.name} could not start: ${e.message}`);
    });
    child.once('exit', (code, signal) => {
      if (this.#child === child && this.#state !== 'down') {
        this.unexpectedExits.push(`${this.spec.name} exited (code ${code}, signal ${signal})`);
        this.#state = 'down';
        this.#child = undefined;
      }
    });
    this.#child = child;
    this.#state = 'up';
  }

  /** SIGKILL, and waits for the process to be gone. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (child === undefined) return;
    this.#state = 'down';
    this.#child = undefined;
    await killChild(child);
  }

  /**
   * For a member removed from the cluster: waits up to `graceMs` for the process to exit by
   * itself (etcd exits once it applied its own removal), then kills it. Its exit is not a crash.
   * Says how it ended: `exited with code N` or `killed`.
   */
  async retire(graceMs: number): Promise<string> {
    const child = this.#child;
    this.#state = 'down';
    this.#child = undefined;
    if (child === undefined) return 'exited';
    const exitText = () => `exited with code ${child.exitCode ?? child.signalCode ?? '?'}`;
    if (hasExited(child)) return exitText();
    const exited = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        resolve(false);
      }, graceMs);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    if (exited) return exitText();
    await killChild(child);
    return 'killed';
  }

  /**
   * Makes the next `start` join a running cluster as a new member (an empty data directory,
   * `--initial-cluster-state existing`), at `peerUrl`, the cluster being `joinCluster`.
   */
  rejoin(peerUrl: string, joinCluster: string): void {
    assert(this.#state === 'down', `${this.spec.name} must be stopped before it rejoins`);
    this.#spec = { ...this.#spec, peerUrl, joinCluster };
  }

  /** SIGSTOP: the process keeps its sockets but does nothing. */
  pause(): void {
    if (this.#state !== 'up' || this.#child === undefined) return;
    this.#child.kill('SIGSTOP');
    this.#state = 'paused';
  }

  /** SIGCONT after `pause`. */
  resume(): void {
    if (this.#state !== 'paused' || this.#child === undefined) return;
    this.#child.kill('SIGCONT');
    this.#state = 'up';
  }

  /** Kills the process if it runs and closes the log. */
  async close(): Promise<void> {
    this.resume();
    await this.kill();
    await new Promise<void>((resolve) =>
      this.#log.end(() => {
        resolve();
      }),
    );
  }
}
