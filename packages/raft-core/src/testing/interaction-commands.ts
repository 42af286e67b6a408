// The commands of raft-core's interaction transcripts (STYLE.md §9) over an InteractionEnv.
// Each returns the text the transcript records.
import { assert } from '../assert.js';
import { isRaftError } from '../errors.js';
import type { ConfChangeSingle, ConfState } from '../types.js';
import type { TestCase } from './datadriven.js';
import { argVals, positional } from './datadriven.js';
import {
  describeConfState,
  describeEntry,
  describeHardState,
  describeSoftState,
} from './describe.js';
import type { EnvNodeOptions, InteractionEnv } from './interaction-env.js';

const enc = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);

function nums(vals: readonly string[] | undefined): number[] {
  return (vals ?? []).filter((v) => v !== '').map(Number);
}

function ids(env: InteractionEnv, tc: TestCase): number[] {
  const given = positional(tc)
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
  return given.length > 0 ? given : env.ids();
}

function first(tc: TestCase): number {
  const id = Number(positional(tc)[0]);
  assert(Number.isInteger(id) && id > 0, `line ${String(tc.line)}: ${tc.cmd} needs a node id`);
  return id;
}

function nodeOptions(tc: TestCase): EnvNodeOptions {
  const flag = (k: string): boolean | undefined => {
    const v = argVals(tc, k);
    return v === undefined ? undefined : v[0] === 'true';
  };
  const opts: Record<string, unknown> = {};
  for (const k of ['checkQuorum', 'preVote', 'stepDownOnRemoval', 'disableProposalForwarding']) {
    const v = flag(k);
    if (v !== undefined) opts[k] = v;
  }
  for (const k of [
    'maxSizePerMsg',
    'maxInflightMsgs',
    'maxUncommittedEntriesSize',
    'electionTick',
  ]) {
    const v = argVals(tc, k);
    if (v !== undefined) opts[k] = Number(v[0]);
  }
  const ro = argVals(tc, 'readOnly');
  if (ro !== undefined) opts['readOnlyOption'] = ro[0];
  return opts;
}

function addNodes(env: InteractionEnv, tc: TestCase): string {
  const count = Number(positional(tc)[0]);
  const start = env.ids().length + 1;
  const newIds = Array.from({ length: count }, (_, i) => start + i);
  const cs: ConfState = {
    voters: nums(argVals(tc, 'voters')),
    learners: nums(argVals(tc, 'learners')),
    votersOutgoing: [],
    learnersNext: [],
    autoLeave: false,
  };
  env.addNodes(newIds, cs, nodeOptions(tc));
  return newIds.map((id) => `${String(id)}: ${describeConfState(cs)}`).join('\n');
}

function parseChanges(words: readonly string[]): ConfChangeSingle[] {
  const types = { v: 'AddNode', l: 'AddLearnerNode', r: 'RemoveNode' } as const;
  return words.map((w) => {
    const type = types[w[0] as keyof typeof types] as ConfChangeSingle['type'] | undefined;
    assert(type !== undefined, `bad conf change ${w}`);
    return { type, nodeId: Number(w.slice(1)) };
  });
}

function guarded(fn: () => void): string {
  try {
    fn();
  } catch (e) {
    if (isRaftError(e)) return `error: ${e.code}`;
    throw e;
  }
  return '';
}

function status(env: InteractionEnv, id: number): string {
  const st = env.get(id).node.status();
  const lines = [
    `${describeSoftState(st.softState)} ${describeHardState(st.hardState)} Applied:${String(st.applied)}`,
    `config: ${describeConfState(st.config)}`,
  ];
  if (st.leadTransferee !== 0) lines.push(`leadTransferee: ${String(st.leadTransferee)}`);
  for (const [pid, pr] of st.progress) {
    const learner = pr.isLearner ? ' learner' : '';
    lines.push(
      `${String(pid)}: ${pr.state} match=${String(pr.match)} next=${String(pr.next)}${learner}`,
    );
  }
  return lines.join('\n');
}

function raftLog(env: InteractionEnv, id: number): string {
  const s = env.get(id).storage;
  const first = s.firstIndex();
  const last = s.lastIndex();
  if (last < first) return `log is empty: first index=${String(first)}, last index=${String(last)}`;
  return s
    .entries(first, last + 1, Infinity)
    .map(describeEntry)
    .join('\n');
}

function ticks(env: InteractionEnv, tc: TestCase, kind: 'election' | 'heartbeat'): string {
  const n = env.get(first(tc));
  const cfg = n.config;
  const leader = n.node.status().softState.raftState === 'StateLeader';
  // Past the randomized timeout in [T, 2T) for non-leaders; one check-quorum round for leaders.
  const count =
    kind === 'heartbeat' ? cfg.heartbeatTick : leader ? cfg.electionTick : 2 * cfg.electionTick;
  for (let i = 0; i < count; i++) n.node.tick();
  return '';
}

function compact(env: InteractionEnv, tc: TestCase): string {
  const n = env.get(first(tc));
  const index = Number(positional(tc)[1]);
  n.storage.createSnapshot(index, n.node.status().config, enc(`snap@${String(index)}`));
  n.storage.compact(index);
  return raftLog(env, n.id);
}

/** Runs one transcript command against `env`; returns its output. */
export function runInteraction(env: InteractionEnv, tc: TestCase): string {
  const words = positional(tc);
  switch (tc.cmd) {
    case 'add-nodes':
      return addNodes(env, tc);
    case 'campaign':
      return guarded(() => {
        env.get(first(tc)).node.campaign();
      });
    case 'propose':
      return guarded(() => {
        env.get(first(tc)).node.propose(enc(words[1] ?? ''));
      });
    case 'propose-conf-change': {
      const transition = (argVals(tc, 'transition')?.[0] ?? 'auto') as
        'auto' | 'implicit' | 'explicit';
      const changes = parseChanges(words.slice(1));
      return guarded(() => {
        env
          .get(first(tc))
          .node.proposeConfChange({ transition, changes, context: new Uint8Array() });
      });
    }
    case 'tick-election':
      return ticks(env, tc, 'election');
    case 'tick-heartbeat':
      return ticks(env, tc, 'heartbeat');
    case 'deliver-msgs': {
      const drop = argVals(tc, 'drop')?.[0] === 'true';
      const to = words.length > 0 ? Number(words[0]) : undefined;
      return env.deliver({ ...(to !== undefined ? { to } : {}), drop }).join('\n');
    }
    case 'process-ready':
      return ids(env, tc)
        .flatMap((id) => env.processReady(id))
        .join('\n');
    case 'stabilize':
      return env.stabilize(positional(tc).length > 0 ? ids(env, tc) : undefined).join('\n');
    case 'raft-log':
      return raftLog(env, first(tc));
    case 'status':
      return ids(env, tc)
        .map((id) => status(env, id))
        .join('\n');
    default:
      return runOther(env, tc);
  }
}

function runOther(env: InteractionEnv, tc: TestCase): string {
  const words = positional(tc);
  switch (tc.cmd) {
    case 'read-index':
      return guarded(() => {
        env.get(first(tc)).node.readIndex(enc(words[1] ?? ''));
      });
    case 'transfer-leader':
      return guarded(() => {
        env.get(first(tc)).node.transferLeader(Number(words[1]));
      });
    case 'forget-leader':
      return guarded(() => {
        env.get(first(tc)).node.forgetLeader();
      });
    case 'report-unreachable':
      return guarded(() => {
        env.get(first(tc)).node.reportUnreachable(Number(words[1]));
      });
    case 'compact':
      return compact(env, tc);
    case 'restart':
      env.restart(first(tc));
      return '';
    case 'log-level':
      env.setLogLevel(words[0] === 'info' ? 'info' : 'none');
      return '';
    default:
      assert(false, `line ${String(tc.line)}: unknown command ${tc.cmd}`);
  }
}
