import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Etcd3 } from 'etcd3';
import { DemoError, isDemoError } from './errors.js';
import { memberClient } from './member-client.js';
import { MemberProcess, type MemberSpec } from './member-process.js';
import { freePort } from './ports.js';

/** How the cluster reports a member's process exit that the demo did not ask for. */
export type UnexpectedExit = (member: MemberProcess, how: string) => void;

/**
 * Three (or `count`) `keel` members as child processes on loopback, with their data directories
 * in one temporary directory, and an etcd3 client per member.
 */
export class LocalCluster {
  readonly dir: string;
  readonly members: readonly MemberProcess[];
  readonly #clients = new Map<string, Etcd3>();
  readonly #expectedExits = new Set<string>();
  readonly #onUnexpectedExit: UnexpectedExit;

  private constructor(dir: string, specs: readonly MemberSpec[], onUnexpectedExit: UnexpectedExit) {
    this.dir = dir;
    this.members = specs.map((s) => new MemberProcess(s));
    this.#onUnexpectedExit = onUnexpectedExit;
  }

  /**
   * Picks free ports, makes the data directories' parent and starts every member; resolves when
   * all serve clients.
   *
   * @throws DemoError MEMBER_EXITED when one could not start (the others are stopped first).
   */
  static async start(count: number, onUnexpectedExit: UnexpectedExit): Promise<LocalCluster> {
    const dir = await mkdtemp(join(tmpdir(), 'keel-demo-cluster-'));
    const urls: { name: string; clientUrl: string; peerUrl: string }[] = [];
    for (let i = 1; i <= count; i++) {
      const [client, peer] = [await freePort(), await freePort()];
      urls.push({
        name: `m${i}`,
        clientUrl: `http://127.0.0.1:${client}`,
        peerUrl: `http://127.0.0.1:${peer}`,
      });
    }
    const initialCluster = urls.map((u) => `${u.name}=${u.peerUrl}`).join(',');
    const specs = urls.map((u) => ({
      ...u,
      dataDir: join(dir, u.name),
      initialCluster,
      clusterToken: 'keel-demo',
    }));
    const cluster = new LocalCluster(dir, specs, onUnexpectedExit);
    try {
      await Promise.all(cluster.members.map((m) => cluster.#startMember(m)));
    } catch (e) {
      await cluster.stop();
      await rm(dir, { recursive: true, force: true });
      if (!isDemoError(e, 'MEMBER_EXITED')) throw e;
      throw new DemoError({
        code: 'MEMBER_EXITED',
        message: `${e.message}\n(if a port was taken meanwhile, run the demo again: it picks free ports each time)`,
        cause: e,
      });
    }
    return cluster;
  }

  async #startMember(member: MemberProcess): Promise<void> {
    this.#expectedExits.delete(member.name);
    await member.start((code, signal) => {
      if (this.#expectedExits.has(member.name)) return;
      this.#onUnexpectedExit(member, signal ?? `exit code ${String(code)}`);
    });
    this.#clients.get(member.name)?.close();
    // A fresh client per start: nothing of the old connection's state carries over.
    this.#clients.set(member.name, memberClient(member.spec.clientUrl));
  }

  /** The etcd3 client of `member` (bound to its client URL). */
  client(member: MemberProcess): Etcd3 {
    const client = this.#clients.get(member.name);
    if (client === undefined) throw new Error(`member ${member.name} was never started`);
    return client;
  }

  /** The members whose processes run and serve clients now, in name order. */
  serving(): MemberProcess[] {
    return this.members.filter((m) => m.isServing);
  }

  /** Kills `member` with `signal` (expected: not reported as a crash); resolves once it exited. */
  async kill(member: MemberProcess, signal: NodeJS.Signals): Promise<void> {
    this.#expectedExits.add(member.name);
    await member.kill(signal);
  }

  /** Starts `member` again from its data directory; resolves when it serves clients. */
  async restart(member: MemberProcess): Promise<void> {
    await this.#startMember(member);
  }

  /** Stops every member (SIGTERM, then SIGKILL after a bound) and closes the clients. */
  async stop(): Promise<void> {
    for (const m of this.members) this.#expectedExits.add(m.name);
    for (const c of this.#clients.values()) c.close();
    this.#clients.clear();
    await Promise.all(this.members.map((m) => m.stop()));
  }

  /** Kills every member at once, synchronously: for the demo's own unexpected exit. */
  killNow(): void {
    for (const m of this.members) m.killNow();
  }
}
