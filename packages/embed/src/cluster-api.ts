// server.cluster: etcd's Cluster service (and Maintenance's MoveLeader) in process. Adds,
// promotions and removals are Raft conf changes whose context carries the member's attributes;
// new peer URLs are a member request in a normal entry. Each call checks etcd's rules first
// (unknown member, peer URL in use, learner limits, the strict reconfig check, a learner's
// catch-up) and resolves once the change is applied on this member. A promotion asked of a
// follower is forwarded to the leader (promote-http.ts), which alone knows the learner's progress.
import type { MemberInfo } from '@keel/etcd-grpc';
import type { ClusterMember } from './cluster-file.js';
import { urlProblem } from './config.js';
import type { Driver } from './driver.js';
import { EmbedError } from './errors.js';
import type { ResponseHeader, WithHeader } from './kv-api.js';
import type { LeaderForwarder } from './leader-forwarder.js';
import { learnerReadyShare, memberListBytesMax } from './limits.js';
import { deriveMemberId } from './member-id.js';
import type { Membership } from './membership.js';
import {
  checkAddMember,
  checkPromoteMember,
  checkRemoveMember,
  type ReconfigView,
} from './reconfig-checks.js';
import { decodePromoteAnswer, promotePath, type PromoteOnLeader } from './promote-http.js';
import { encodeConfContext } from './request-codec.js';

/**
 * A member as the Cluster API lists it: etcd's Member, the same shape the gRPC API serves. Its
 * `name` is empty until the member started and published it (etcdctl prints "unstarted").
 */
export type Member = MemberInfo;

/** The in-process Cluster API (etcd's Cluster service, and MoveLeader). */
export interface ClusterApi {
  /** Every member, by ascending ID; `linearizable` waits for a ReadIndex first. */
  memberList(options?: {
    linearizable?: boolean;
  }): Promise<WithHeader<{ members: readonly Member[] }>>;
  /**
   * Adds a member with `peerUrls` (as a learner with `isLearner`); then start it with
   * `clusterState: 'existing'`. @throws EmbedError MEMBER_BAD_URLS, PEER_URL_EXISTS,
   * TOO_MANY_LEARNERS, MEMBER_NOT_ENOUGH_STARTED, UNHEALTHY, OVERLOADED (another change is in
   * progress), NOT_LEADER, TIMEOUT, STOPPED
   */
  addMember(
    peerUrls: readonly string[],
    options?: { isLearner?: boolean },
  ): Promise<WithHeader<{ member: Member; members: readonly Member[] }>>;
  /**
   * Makes learner `id` a voter; on a follower the leader is asked (etcd forwards it).
   * @throws EmbedError MEMBER_NOT_FOUND, MEMBER_NOT_LEARNER, LEARNER_NOT_READY,
   * MEMBER_NOT_ENOUGH_STARTED, NOT_LEADER (no leader), TIMEOUT, ...
   */
  promoteMember(id: number): Promise<WithHeader<{ members: readonly Member[] }>>;
  /**
   * Removes member `id`; a removed member stops itself. @throws EmbedError MEMBER_NOT_FOUND,
   * MEMBER_NOT_ENOUGH_STARTED, UNHEALTHY, ...
   */
  removeMember(id: number): Promise<WithHeader<{ members: readonly Member[] }>>;
  /** Gives member `id` new peer URLs. @throws EmbedError MEMBER_NOT_FOUND, MEMBER_BAD_URLS, PEER_URL_EXISTS */
  updateMember(
    id: number,
    peerUrls: readonly string[],
  ): Promise<WithHeader<{ members: readonly Member[] }>>;
  /**
   * Hands leadership to voter `targetId` and resolves once it leads; runs on the leader.
   * @throws EmbedError LEADER_REQUIRED, BAD_LEADER_TRANSFEREE, TIMEOUT
   */
  moveLeader(targetId: number): Promise<WithHeader<object>>;
}

/** What the Cluster API needs from the server. */
export interface ClusterHost {
  readonly membership: Membership;
  readonly driver: Driver;
  readonly strictReconfigCheck: boolean;
  readonly maxLearners: number;
  readonly clusterToken: string;
  readonly requestTimeoutMs: number;
  header(): ResponseHeader;
  checkOpen(): void;
  isLeader(): boolean;
  connectedForMs(id: number): number;
  /** Resolves once the peer listener is up (a lone member starts it with its first peer). */
  peersStarted(): Promise<void>;
  /** Sends a follower's promotion to the leader. */
  readonly forwarder: LeaderForwarder;
}

/** A member's cluster side: `server.cluster` and the leader's promotion, served to peers. */
export interface ClusterSide {
  readonly api: ClusterApi;
  readonly promoteOnLeader: PromoteOnLeader;
}

/** A member record as the API shows it. */
export function toMember(m: ClusterMember): Member {
  return {
    id: m.id,
    name: m.name,
    peerUrls: m.peerUrls,
    clientUrls: m.clientUrls ?? [],
    isLearner: m.isLearner === true,
  };
}

const fail = (code: EmbedError['code'], message: string): EmbedError =>
  new EmbedError({ code, message });

function checkPeerUrls(h: ClusterHost, peerUrls: readonly string[], self = 0): void {
  const problem = peerUrls.length === 0 ? 'no peer URLs' : peerUrls.map(urlProblem).find(Boolean);
  if (problem !== undefined) {
    throw fail('MEMBER_BAD_URLS', `given member URLs are invalid: ${problem}`);
  }
  const used = new Set(
    h.membership
      .list()
      .filter((m) => m.id !== self)
      .flatMap((m) => m.peerUrls),
  );
  const taken = peerUrls.find((u) => used.has(u));
  if (taken !== undefined) throw fail('PEER_URL_EXISTS', `Peer URLs already exists: ${taken}`);
}

function memberOf(h: ClusterHost, id: number): ClusterMember {
  const m = h.membership.get(id);
  if (m === undefined) throw fail('MEMBER_NOT_FOUND', `member not found: ${id.toString(16)}`);
  return m;
}

function view(h: ClusterHost): ReconfigView {
  return {
    self: h.membership.memberId,
    members: h.membership.list(),
    connectedForMs: (id) => h.connectedForMs(id),
  };
}

/** etcd's isLearnerReady: on the leader, the learner's match is at least 90% of the leader's. */
function checkLearnerReady(h: ClusterHost, id: number): void {
  if (!h.isLeader()) {
    throw fail('LEADER_REQUIRED', 'not leader: promote the learner through the leader');
  }
  const progress = h.driver.status().progress;
  const learner = progress.get(id)?.match ?? 0;
  const leader = progress.get(h.membership.memberId)?.match ?? 0;
  if (learner < leader * learnerReadyShare) {
    throw fail(
      'LEARNER_NOT_READY',
      `can only promote a learner member which is in sync with leader (it has ${learner} of ${leader} entries)`,
    );
  }
}

type Change = Parameters<Driver['proposeConfChange']>[0][number];

/** Proposes conf change `c` (with the added member's attributes) and waits until applied here. */
async function change(h: ClusterHost, c: Change, member?: ClusterMember): Promise<void> {
  await h.driver.proposeConfChange([c], (id) =>
    encodeConfContext(member === undefined ? { id } : { id, member }),
  );
}

/** etcd's promoteMember on the leader. @throws EmbedError LEADER_REQUIRED off the leader, ... */
async function promoteHere(h: ClusterHost, id: number): Promise<readonly Member[]> {
  h.checkOpen();
  if (memberOf(h, id).isLearner !== true) {
    throw fail('MEMBER_NOT_LEARNER', 'can only promote a learner member');
  }
  checkLearnerReady(h, id);
  if (h.strictReconfigCheck) checkPromoteMember(view(h));
  await change(h, { type: 'AddNode', nodeId: id });
  return h.membership.list().map(toMember);
}

/** Builds `server.cluster` over `h`, and the leader's promotion that followers ask for. */
export function createClusterSide(h: ClusterHost): ClusterSide {
  const promoteOnLeader: PromoteOnLeader = (id) => promoteHere(h, id);
  return { api: createClusterApi(h, promoteOnLeader), promoteOnLeader };
}

function createClusterApi(h: ClusterHost, promoteOnLeader: PromoteOnLeader): ClusterApi {
  const withHeader = <T extends object>(r: T): WithHeader<T> => ({ ...r, header: h.header() });
  const members = (): Member[] => h.membership.list().map(toMember);
  return {
    async memberList(options = {}) {
      h.checkOpen();
      if (options.linearizable === true) await h.driver.readBarrier();
      return withHeader({ members: members() });
    },
    async addMember(peerUrls, options = {}) {
      h.checkOpen();
      const isLearner = options.isLearner === true;
      checkPeerUrls(h, peerUrls);
      const learners = h.membership.list().filter((m) => m.isLearner === true).length;
      if (isLearner && learners + 1 > h.maxLearners) {
        throw fail(
          'TOO_MANY_LEARNERS',
          `too many learner members in cluster (maxLearners ${h.maxLearners})`,
        );
      }
      if (h.strictReconfigCheck) checkAddMember(view(h), isLearner);
      const id = deriveMemberId(peerUrls, h.clusterToken, Date.now());
      const member: ClusterMember = { id, name: '', peerUrls, clientUrls: [], isLearner };
      await change(h, { type: isLearner ? 'AddLearnerNode' : 'AddNode', nodeId: id }, member);
      await h.peersStarted();
      return withHeader({ member: toMember(memberOf(h, id)), members: members() });
    },
    async promoteMember(id) {
      h.checkOpen();
      const promoted = await h.forwarder.forward({
        ...{ path: promotePath(id), body: {}, answerBytesMax: memberListBytesMax },
        local: () => promoteOnLeader(id),
        decode: decodePromoteAnswer,
      });
      // The leader answered once the promotion was applied there; wait until it is applied here
      // too, so this member's own view (learner count, the next checks) includes it. The
      // promotion is done either way: a barrier that fails (no leader for a while) is ignored.
      await h.driver.readBarrier().catch(() => undefined);
      return withHeader({ members: promoted });
    },
    async removeMember(id) {
      h.checkOpen();
      memberOf(h, id);
      if (h.strictReconfigCheck) checkRemoveMember(view(h), id);
      await change(h, { type: 'RemoveNode', nodeId: id });
      return withHeader({ members: members() });
    },
    async updateMember(id, peerUrls) {
      h.checkOpen();
      memberOf(h, id);
      checkPeerUrls(h, peerUrls, id);
      await h.driver.proposeMember({ memberUpdate: { id, peerUrls } });
      return withHeader({ members: members() });
    },
    async moveLeader(targetId) {
      await moveLeader(h, targetId);
      return withHeader({});
    },
  };
}

/** etcd's MoveLeader: from the leader, to a voter; resolves once the target leads. */
async function moveLeader(h: ClusterHost, targetId: number): Promise<void> {
  h.checkOpen();
  if (!h.isLeader()) throw fail('LEADER_REQUIRED', 'not leader: move the leader from the leader');
  const target = h.membership.get(targetId);
  if (target === undefined || target.isLearner === true) {
    throw fail('BAD_LEADER_TRANSFEREE', `bad leader transferee: ${targetId.toString(16)}`);
  }
  if (targetId === h.membership.memberId) return;
  const moved = await h.driver.transferLeadership(h.requestTimeoutMs, targetId);
  if (!moved) throw fail('TIMEOUT', 'request timed out, leader transfer took too long');
}
