// The cluster's membership as the applied log says it is (etcd's RaftCluster): who the members
// are, their names, peer and client URLs, and which are learners. It changes only when the driver
// applies a membership entry: a conf change (add, promote, remove; its context carries the new
// member's attributes) or a normal entry with a member request (new peer URLs, published
// attributes). Every change is written to cluster.json with the entry's index before the next
// entry is applied, so it survives a restart and an entry replayed after one is skipped here
// (Raft's own configuration is rebuilt by replaying the conf changes into the RawNode). A
// leader's snapshot carries the table at its store's index and replaces it when installed.
import type { ConfChange } from '@keel/raft-core';
import { assert } from './assert.js';
import { writeClusterFile, type ClusterFile, type ClusterMember } from './cluster-file.js';
import { withMemberTable, type MemberTable } from './snapshot-head.js';

/** A member request carried by a normal entry (etcd's ConfChangeUpdateNode and attribute set). */
export type MemberRequest =
  | {
      readonly memberAttrs: {
        readonly id: number;
        readonly name: string;
        readonly clientUrls: readonly string[];
      };
    }
  | { readonly memberUpdate: { readonly id: number; readonly peerUrls: readonly string[] } };

/** What the rest of the member does when membership changes (peers, stopping). */
export interface MembershipEffects {
  /** A member joined (as a learner or a voter), or changed its peer URLs. */
  peerChanged(member: ClusterMember): void;
  /** A member left; `id` may be this member's own. */
  removed(id: number): void;
}

const sameUrls = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((u, i) => u === b[i]);

function sortById(members: readonly ClusterMember[]): ClusterMember[] {
  return [...members].sort((a, b) => a.id - b.id);
}

/** The replicated member table of one member; see the file comment. */
export class Membership {
  #file: ClusterFile;
  readonly #dataDir: string;
  #effects: MembershipEffects | undefined;

  constructor(dataDir: string, file: ClusterFile) {
    this.#dataDir = dataDir;
    this.#file = file;
  }

  /** This member's ID. */
  get memberId(): number {
    return this.#file.memberId;
  }

  /** The cluster's ID. */
  get clusterId(): number {
    return this.#file.clusterId;
  }

  /** The index of the last membership entry applied. */
  get appliedIndex(): number {
    return this.#file.appliedIndex ?? 0;
  }

  /** What cluster.json holds now. */
  get file(): ClusterFile {
    return this.#file;
  }

  /** Every member, in ascending ID order. */
  list(): readonly ClusterMember[] {
    return this.#file.members;
  }

  /** The member with `id`, if it is one. */
  get(id: number): ClusterMember | undefined {
    return this.#file.members.find((m) => m.id === id);
  }

  /** Whether `id` was a member and was removed. */
  isRemoved(id: number): boolean {
    return this.#file.removed?.includes(id) === true;
  }

  /** Sets who hears of changes (the server, once its peers exist). */
  setEffects(effects: MembershipEffects): void {
    this.#effects = effects;
  }

  /**
   * Applies a committed conf change at `index` (Raft has accepted it for its configuration);
   * `member` is the attributes its context carried (for an add).
   */
  applyConfChange(index: number, cc: ConfChange, member: ClusterMember | undefined): void {
    if (index <= this.appliedIndex) return;
    let members = [...this.#file.members];
    let removed = [...(this.#file.removed ?? [])];
    const changed: ClusterMember[] = [];
    const gone: number[] = [];
    for (const c of cc.changes) {
      const old = members.find((m) => m.id === c.nodeId);
      members = members.filter((m) => m.id !== c.nodeId);
      if (c.type === 'RemoveNode') {
        if (old !== undefined) removed = [...removed, c.nodeId];
        gone.push(c.nodeId);
        continue;
      }
      const base = old ?? member;
      assert(base !== undefined && base.id === c.nodeId, 'an added member carries its attributes');
      const next = { ...base, isLearner: c.type === 'AddLearnerNode' };
      members.push(next);
      if (old === undefined) changed.push(next);
    }
    this.#save({ ...this.#file, members: sortById(members), removed, appliedIndex: index });
    for (const m of changed) this.#effects?.peerChanged(m);
    for (const id of gone) this.#effects?.removed(id);
  }

  /** Applies a committed member request at `index`; a request for a non-member changes nothing. */
  applyRequest(index: number, request: MemberRequest): void {
    if (index <= this.appliedIndex) return;
    const id = 'memberAttrs' in request ? request.memberAttrs.id : request.memberUpdate.id;
    const old = this.get(id);
    let next: ClusterMember | undefined;
    if (old !== undefined) {
      next =
        'memberAttrs' in request
          ? { ...old, name: request.memberAttrs.name, clientUrls: request.memberAttrs.clientUrls }
          : { ...old, peerUrls: request.memberUpdate.peerUrls };
    }
    const members = this.#file.members.map((m) => (m.id === id && next !== undefined ? next : m));
    this.#save({ ...this.#file, members, appliedIndex: index });
    if (next !== undefined && 'memberUpdate' in request) this.#effects?.peerChanged(next);
  }

  /**
   * Replaces the table with the one a leader's snapshot carries (installing it, snapshot-files.ts)
   * and tells the effects what changed: members new or at new peer URLs, members gone.
   */
  installSnapshot(table: MemberTable): void {
    const before = this.#file.members;
    const next = withMemberTable(this.#file, table);
    const self = this.memberId;
    assert(
      next.members.some((m) => m.id === self) || next.removed?.includes(self) === true,
      "a leader's snapshot lists this member",
    );
    this.#save(next);
    for (const m of next.members) {
      const old = before.find((x) => x.id === m.id);
      if (old === undefined || !sameUrls(old.peerUrls, m.peerUrls)) this.#effects?.peerChanged(m);
    }
    for (const m of before) {
      if (!next.members.some((x) => x.id === m.id)) this.#effects?.removed(m.id);
    }
  }

  #save(file: ClusterFile): void {
    writeClusterFile(this.#dataDir, file);
    this.#file = file;
  }
}
