import type { LocalCluster } from './local-cluster.js';
import { statusDeadlineMs, statusPollMs } from './limits.js';
import type { MemberProcess } from './member-process.js';
import { leaderView, type LeaderView, type MemberStatus } from './leader-view.js';
import { pause } from './pause.js';

async function statusOf(cluster: LocalCluster, member: MemberProcess): Promise<MemberStatus> {
  const s = await cluster
    .client(member)
    .maintenance.status({ deadline: Date.now() + statusDeadlineMs });
  return {
    name: member.name,
    memberId: Number(s.header.member_id),
    leader: Number(s.leader),
    raftTerm: Number(s.raftTerm),
  };
}

/**
 * Watches leadership from outside, as any etcd client can: every `statusPollMs` it asks each
 * running member for its status (etcd's Maintenance.Status: its ID, the leader it follows, its
 * term) and reports when the leader of the latest term changes, including to "no leader".
 */
export class LeaderObserver {
  readonly #cluster: LocalCluster;
  readonly #names = new Map<number, string>();
  #view: LeaderView = { leaderId: 0, leaderName: undefined, term: 0 };
  #answered: readonly MemberStatus[] = [];

  constructor(cluster: LocalCluster) {
    this.#cluster = cluster;
  }

  /** The leadership seen at the last poll. */
  get view(): LeaderView {
    return this.#view;
  }

  /** The members that answered the last poll. */
  get answered(): readonly MemberStatus[] {
    return this.#answered;
  }

  /** The leader's process when the leader is a running member of the cluster, else undefined. */
  leader(): MemberProcess | undefined {
    const name = this.#view.leaderName;
    return this.#cluster.serving().find((m) => m.name === name);
  }

  /** Asks every running member once; returns whether the leader changed. */
  async poll(): Promise<boolean> {
    const asked = await Promise.allSettled(
      this.#cluster.serving().map((m) => statusOf(this.#cluster, m)),
    );
    const statuses = asked.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    // Nobody answered (all busy or down): that says nothing about the leader; keep the last view.
    if (statuses.length === 0) return false;
    for (const s of statuses) this.#names.set(s.memberId, s.name);
    this.#answered = statuses;
    const before = this.#view.leaderId;
    this.#view = leaderView(statuses, this.#names);
    return this.#view.leaderId !== before;
  }

  /** Polls until `signal` aborts, calling `onPoll(changed)` after each poll. */
  async run(signal: AbortSignal, onPoll: (changed: boolean) => void): Promise<void> {
    while (!signal.aborted) {
      onPoll(await this.poll());
      await pause(statusPollMs, signal);
    }
  }
}
