/** What one member said about leadership (etcd's Maintenance.Status, in part). */
export interface MemberStatus {
  readonly name: string;
  /** This member's own ID (the response header's member_id). */
  readonly memberId: number;
  /** The leader this member believes in; 0 for none. */
  readonly leader: number;
  readonly raftTerm: number;
}

/** The cluster's leadership as the members that answered report it. */
export interface LeaderView {
  /** The leader's ID; 0 when no member knows of a leader in the latest term. */
  readonly leaderId: number;
  /** The leader's member name, when the leader has answered at least once. */
  readonly leaderName: string | undefined;
  /** The highest term any member reported. */
  readonly term: number;
}

/**
 * The leader of the latest term among `statuses`: members on an older term may still name a
 * leader that is gone, so only the members on the highest term count. `names` maps every member
 * ID heard so far to its name.
 */
export function leaderView(
  statuses: readonly MemberStatus[],
  names: ReadonlyMap<number, string>,
): LeaderView {
  const term = Math.max(0, ...statuses.map((s) => s.raftTerm));
  const latest = statuses.filter((s) => s.raftTerm === term && s.leader !== 0);
  const leaderId = latest[0]?.leader ?? 0;
  return { leaderId, leaderName: names.get(leaderId), term };
}

/** The line printed when the leader changes, in the article's words. */
export function describeLeaderView(view: LeaderView): string {
  if (view.leaderId === 0)
    return `Leader changed: no leader (term ${view.term}); an election is under way`;
  const name = view.leaderName ?? 'a member';
  return `Leader changed: ${name} (${view.leaderId.toString(16)}, term ${view.term}) is the new leader`;
}
