// Goal: three members as OS processes survive the leader's SIGKILL: the other two elect a new
// leader, and once the killed member restarts from its data directory (fsync on), every
// acknowledged write is present on every member. Method: real processes (test/member-process.ts
// under tsx) talking IPC, real LMDB in a temp dir, real sockets on 127.0.0.1; waits on the
// processes' leader events with deadlines. Only processes this test started are killed, by pid.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts, tempDir, within } from './helpers.js';

const script = fileURLToPath(new URL('./member-process.ts', import.meta.url));

interface Reply {
  readonly id?: number;
  readonly ok?: boolean;
  readonly revision?: number;
  readonly value?: string;
  readonly error?: string;
  readonly event?: string;
  readonly memberId?: number;
  readonly leaderId?: number;
}

/** One member process and what it last reported. */
class Member {
  child: ChildProcess | undefined;
  memberId = 0;
  leaderId = 0;
  #next = 0;
  readonly #waiting = new Map<number, (r: Reply) => void>();
  readonly #leaderWaiters: (() => void)[] = [];
  constructor(readonly config: object) {}

  start(): Promise<void> {
    const child = fork(script, [JSON.stringify(this.config)], {
      execArgv: ['--conditions=@keel/source', '--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    this.child = child;
    return new Promise((resolve, reject) => {
      child.once('exit', (code) => {
        reject(new Error(`member exited early with ${String(code)}`));
      });
      child.on('message', (raw) => {
        const m = raw as Reply;
        if (m.event === 'started') {
          this.memberId = m.memberId ?? 0;
          resolve();
        }
        if (m.event === 'leader' || m.event === 'started') {
          this.leaderId = m.leaderId ?? 0;
          for (const w of this.#leaderWaiters.splice(0)) w();
        }
        if (m.id !== undefined) this.#waiting.get(m.id)?.(m);
      });
    });
  }

  request(op: 'put' | 'get', key: string, value?: string): Promise<Reply> {
    const id = ++this.#next;
    return new Promise((resolve) => {
      this.#waiting.set(id, (r) => {
        this.#waiting.delete(id);
        resolve(r);
      });
      this.child?.send({ id, op, key, value });
    });
  }

  nextLeaderEvent(): Promise<void> {
    return new Promise((resolve) => this.#leaderWaiters.push(resolve));
  }

  kill(): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) {
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      child.removeAllListeners('exit');
      child.once('exit', () => {
        // A request the dead process never answered has an unknown outcome: not acknowledged.
        for (const settle of this.#waiting.values()) settle({ ok: false, error: 'KILLED' });
        this.#waiting.clear();
        resolve();
      });
      child.kill('SIGKILL');
    });
  }
}

/** Resolves with the member every one of `members` names as leader. */
async function agreedLeader(members: readonly Member[]): Promise<Member> {
  for (;;) {
    const lead = members[0]?.leaderId ?? 0;
    const leader = members.find((m) => m.memberId === lead);
    if (lead !== 0 && leader !== undefined && members.every((m) => m.leaderId === lead)) {
      return leader;
    }
    await Promise.race(members.map((m) => m.nextLeaderEvent()));
  }
}

let members: Member[] = [];
let remove: () => Promise<void>;

beforeAll(async () => {
  const t = await tempDir();
  remove = t.remove;
  const urls = (await freePorts(3)).map((p) => `http://127.0.0.1:${p}`);
  const initialCluster = urls.map((u, i) => `p${i}=${u}`).join(',');
  members = urls.map(
    (url, i) =>
      new Member({
        name: `p${i}`,
        dataDir: `${t.dir}/p${i}`,
        listenPeerUrls: [url],
        initialAdvertisePeerUrls: [url],
        initialCluster,
        listenClientUrls: ['http://127.0.0.1:0'],
        advertiseClientUrls: ['http://127.0.0.1:0'],
        tickMs: 50,
        electionMs: 500,
      }),
  );
  await within(Promise.all(members.map((m) => m.start())), 30_000, 'start processes');
}, 40_000);

afterAll(async () => {
  await Promise.all(members.map((m) => m.kill()));
  await remove();
});

describe('three members as OS processes', () => {
  it('keep every acknowledged write across a SIGKILL of the leader and its restart', async () => {
    const leader = await within(agreedLeader(members), 10_000, 'election');
    const acked = new Map<string, string>();
    const write = async (via: Member, key: string): Promise<void> => {
      const r = await via.request('put', key, `v-${key}`);
      if (r.ok === true) acked.set(key, `v-${key}`);
    };
    for (let i = 0; i < 20; i++) await write(members[i % 3] as Member, `a${i}`);
    expect(acked.size).toBe(20);
    // Writes in flight while the leader dies: acknowledged ones must survive, others may not.
    const inFlight = Array.from({ length: 10 }, (_, i) => write(members[i % 3] as Member, `b${i}`));
    await leader.kill();
    const rest = members.filter((m) => m !== leader);
    const next = await within(agreedLeader(rest), 10_000, 'new leader');
    expect(next).not.toBe(leader);
    await within(Promise.all(inFlight), 20_000, 'in-flight writes settle');
    await within(write(next, 'after-kill'), 10_000, 'write after kill');
    expect(acked.has('after-kill')).toBe(true);
    await within(leader.start(), 30_000, 'restart the killed member');
    await within(agreedLeader(members), 10_000, 'the restarted member follows');
    for (const m of members) {
      for (const [key, value] of acked) {
        const r = await within(m.request('get', key), 10_000, `get ${key}`);
        expect([key, r.value]).toEqual([key, value]);
      }
    }
  }, 90_000);
});
