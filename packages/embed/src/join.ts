// Joining a running cluster (clusterState 'existing' with an empty data directory), as etcd does:
// the new member asks the members listed in initialCluster for the cluster's member list over
// their peer URLs (`GET /members`), finds itself in it by its peer URLs (the ID it was given by
// addMember), and starts from the same log base as the founders (index 1, their configuration);
// it then catches up by log replication, or by a snapshot of the leader's store when the leader
// has compacted the entries it needs. Over https peer URLs it uses its peer TLS (peer-client.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LoadedTls } from '@keel/raft-transport-ws';
import type { Clock } from './clock.js';
import type { ClusterFile, ClusterMember } from './cluster-file.js';
import type { ResolvedConfig } from './config.js';
import { EmbedError } from './errors.js';
import { joinFetchTimeoutMs, memberListBytesMax } from './limits.js';
import type { Membership } from './membership.js';
import { PeerClient } from './peer-client.js';

/** How a joining member reaches its peers: its peer TLS (https peer URLs) and clock. */
export interface JoinOptions {
  readonly peerTls: LoadedTls | undefined;
  readonly clock: Clock;
}

/** What `GET /members` on a member's peer URL answers. */
export interface MembersAnswer {
  readonly clusterId: number;
  readonly members: readonly ClusterMember[];
  readonly removed: readonly number[];
  readonly appliedIndex: number;
  /** The founding members (the configuration at index 1). */
  readonly baseMembers: readonly ClusterMember[];
}

/** The HTTP handler of the peer listener: `GET /members`, 404 for anything else. */
export function membersHandler(
  membership: Membership,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (req.method !== 'GET' || req.url !== '/members') {
      res.writeHead(404).end();
      return;
    }
    const file = membership.file;
    const answer: MembersAnswer = {
      clusterId: file.clusterId,
      members: file.members,
      removed: file.removed ?? [],
      appliedIndex: file.appliedIndex ?? 0,
      baseMembers: file.base ?? file.members,
    };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  };
}

function sameUrls(a: readonly string[], b: readonly string[]): boolean {
  return [...a].sort().join(',') === [...b].sort().join(',');
}

function invalid(field: string, message: string): EmbedError {
  return new EmbedError({
    code: 'INVALID_CONFIG',
    message: `invalid config ${field}: ${message}`,
    field,
  });
}

/**
 * Asks every peer of initialCluster (other than this member) for the member list, at once, and
 * keeps the most recent answer (highest applied index): a peer that has not yet applied this
 * member's addition answers an older list.
 */
async function fetchMembers(config: ResolvedConfig, o: JoinOptions): Promise<MembersAnswer> {
  const own = new Set(config.initialAdvertisePeerUrls);
  const urls = [...config.initialCluster.values()].flat().filter((u) => !own.has(u));
  const failures: string[] = [];
  const client = new PeerClient({ tls: o.peerTls, clock: o.clock, socketsMax: 1 });
  const ask = async (url: string): Promise<MembersAnswer | undefined> => {
    try {
      const res = await client.request({
        ...{ url: new URL('/members', url), method: 'GET' },
        ...{ waitMs: joinFetchTimeoutMs, answerBytesMax: memberListBytesMax },
      });
      if (res.status === 200) return JSON.parse(res.text) as MembersAnswer;
      failures.push(`${url}: HTTP ${res.status}`);
    } catch (e) {
      failures.push(`${url}: ${e instanceof Error ? e.message : String(e)}`);
    }
    return undefined;
  };
  const answers = await Promise.all(urls.map(ask)).finally(() => {
    client.close();
  });
  let best: MembersAnswer | undefined;
  for (const a of answers)
    if (a !== undefined && a.appliedIndex >= (best?.appliedIndex ?? 0)) best = a;
  if (best !== undefined) return best;
  throw invalid(
    'initialCluster',
    `could not get the cluster's members from any other peer URL (${failures.join('; ')}); ` +
      'start the new member with the URLs of running members',
  );
}

/**
 * Learns the running cluster's members from its peers and this member's place in it.
 * @throws EmbedError INVALID_CONFIG (no peer answered; this member was not added; initialCluster
 * does not list the cluster's members)
 */
export async function joinCluster(config: ResolvedConfig, o: JoinOptions): Promise<ClusterFile> {
  const answer = await fetchMembers(config, o);
  const self = answer.members.find((m) => sameUrls(m.peerUrls, config.initialAdvertisePeerUrls));
  if (self === undefined) {
    throw invalid(
      'initialAdvertisePeerUrls',
      `no member of the cluster has peer URLs ${config.initialAdvertisePeerUrls.join(',')}; ` +
        'add it first (addMember, or etcdctl member add)',
    );
  }
  const listed = new Set([...config.initialCluster.values()].flat());
  const missing = answer.members.filter((m) => !m.peerUrls.every((u) => listed.has(u)));
  if (missing.length > 0 || config.initialCluster.size !== answer.members.length) {
    throw invalid(
      'initialCluster',
      `does not match the cluster's members (${answer.members.map((m) => m.peerUrls.join(' ')).join(', ')})`,
    );
  }
  return {
    memberId: self.id,
    clusterId: answer.clusterId,
    // As the cluster has them: this member's name and client URLs are published once it runs.
    members: answer.members,
    appliedIndex: answer.appliedIndex,
    removed: answer.removed,
    base: answer.baseMembers,
  };
}
