// Computes the configuration a conf change leads to (etcd's confchange.Changer), without
// touching the current one: joint consensus (enter, leave) and single-step changes
// (Raft thesis §4.1 and §4.3). Invalid transitions raise ConfChangeRefused.
import { assert } from '../assert.js';
import { isJoint, type TrackerConfig } from '../tracker/tracker.js';
import { Inflights } from '../tracker/inflights.js';
import { Progress } from '../tracker/progress.js';
import type { ConfChangeSingle } from '../types.js';

/** A conf change that cannot be applied to the current configuration. */
export class ConfChangeRefused extends Error {
  override readonly name = 'ConfChangeRefused';
}

/** A configuration and the progress of its members. */
export interface ConfigAndProgress {
  readonly config: TrackerConfig;
  readonly progress: Map<number, Progress>;
}

interface MutableConfig {
  incoming: Set<number>;
  outgoing: Set<number>;
  learners: Set<number>;
  learnersNext: Set<number>;
  autoLeave: boolean;
}

/** What a changer needs: the current state, the last log index and the inflight limits. */
export interface ChangerInput extends ConfigAndProgress {
  readonly lastIndex: number;
  readonly inflightMsgsMax: number;
  readonly inflightBytesMax: number;
}

function copy(input: ChangerInput): { cfg: MutableConfig; prs: Map<number, Progress> } {
  const c = input.config;
  const cfg: MutableConfig = {
    incoming: new Set(c.voters.incoming),
    outgoing: new Set(c.voters.outgoing),
    learners: new Set(c.learners),
    learnersNext: new Set(c.learnersNext),
    autoLeave: c.autoLeave,
  };
  const prs = new Map<number, Progress>();
  for (const [id, pr] of input.progress) prs.set(id, pr.clone());
  return { cfg, prs };
}

function freeze(cfg: MutableConfig, prs: Map<number, Progress>): ConfigAndProgress {
  checkInvariants(cfg, prs);
  return {
    config: {
      voters: { incoming: cfg.incoming, outgoing: cfg.outgoing },
      learners: cfg.learners,
      learnersNext: cfg.learnersNext,
      autoLeave: cfg.autoLeave,
    },
    progress: prs,
  };
}

function checkInvariants(cfg: MutableConfig, prs: Map<number, Progress>): void {
  for (const set of [cfg.incoming, cfg.outgoing, cfg.learners, cfg.learnersNext]) {
    for (const id of set) assert(prs.has(id), `no progress for member ${String(id)}`);
  }
  for (const id of cfg.learnersNext) {
    if (!cfg.outgoing.has(id)) assert(false, `learnerNext ${String(id)} is not an outgoing voter`);
    if (!(prs.get(id)?.isLearner === false))
      assert(false, `learnerNext ${String(id)} is marked learner`);
  }
  for (const id of cfg.learners) {
    if (!(!cfg.incoming.has(id) && !cfg.outgoing.has(id)))
      assert(false, `learner ${String(id)} is a voter`);
    if (!(prs.get(id)?.isLearner === true))
      assert(false, `learner ${String(id)} is not marked learner`);
  }
  if (cfg.outgoing.size === 0) {
    assert(cfg.learnersNext.size === 0, 'learnersNext outside a joint config');
    assert(!cfg.autoLeave, 'autoLeave outside a joint config');
  }
}

function applyChanges(
  input: ChangerInput,
  st: { cfg: MutableConfig; prs: Map<number, Progress> },
  changes: readonly ConfChangeSingle[],
): void {
  const { cfg, prs } = st;
  const init = (id: number, isLearner: boolean): void => {
    if (isLearner) cfg.learners.add(id);
    else cfg.incoming.add(id);
    // A new member is probed from the leader's last index; it counts as active so that
    // check-quorum does not step down right after adding it.
    const inflights = new Inflights(input.inflightMsgsMax, input.inflightBytesMax);
    const pr = new Progress({ next: Math.max(input.lastIndex, 1), inflights, isLearner });
    pr.recentActive = true;
    prs.set(id, pr);
  };
  const remove = (id: number): void => {
    if (!prs.has(id)) return;
    cfg.incoming.delete(id);
    cfg.learners.delete(id);
    cfg.learnersNext.delete(id);
    // A member still voting in the outgoing half keeps its progress until the config is left.
    if (!cfg.outgoing.has(id)) prs.delete(id);
  };
  for (const cc of changes) {
    const id = cc.nodeId;
    const pr = prs.get(id);
    if (cc.type === 'AddNode') {
      if (pr === undefined) {
        init(id, false);
        continue;
      }
      pr.isLearner = false;
      cfg.learners.delete(id);
      cfg.learnersNext.delete(id);
      cfg.incoming.add(id);
    } else if (cc.type === 'AddLearnerNode') {
      if (pr === undefined) {
        init(id, true);
        continue;
      }
      if (pr.isLearner) continue;
      remove(id);
      prs.set(id, pr);
      // An outgoing voter cannot become a learner before the joint config is left.
      if (cfg.outgoing.has(id)) cfg.learnersNext.add(id);
      else {
        pr.isLearner = true;
        cfg.learners.add(id);
      }
    } else {
      remove(id);
    }
  }
  if (cfg.incoming.size === 0) throw new ConfChangeRefused('removed all voters');
}

/** Enters a joint configuration: the current voters become the outgoing half. */
export function enterJoint(
  input: ChangerInput,
  opts: { autoLeave: boolean; changes: readonly ConfChangeSingle[] },
): ConfigAndProgress {
  if (isJoint(input.config)) throw new ConfChangeRefused('config is already joint');
  if (input.config.voters.incoming.size === 0) {
    throw new ConfChangeRefused("can't make a zero-voter config joint");
  }
  const st = copy(input);
  st.cfg.outgoing = new Set(st.cfg.incoming);
  applyChanges(input, st, opts.changes);
  st.cfg.autoLeave = opts.autoLeave;
  return freeze(st.cfg, st.prs);
}

/** Leaves a joint configuration: outgoing-only voters go, learnersNext become learners. */
export function leaveJoint(input: ChangerInput): ConfigAndProgress {
  if (!isJoint(input.config)) throw new ConfChangeRefused("can't leave a non-joint config");
  const { cfg, prs } = copy(input);
  for (const id of cfg.learnersNext) {
    cfg.learners.add(id);
    const pr = prs.get(id);
    assert(pr !== undefined, 'learnerNext without progress');
    pr.isLearner = true;
  }
  cfg.learnersNext = new Set();
  for (const id of cfg.outgoing) {
    if (!cfg.incoming.has(id) && !cfg.learners.has(id)) prs.delete(id);
  }
  cfg.outgoing = new Set();
  cfg.autoLeave = false;
  return freeze(cfg, prs);
}

/** A single-step change: at most one voter added or removed, outside a joint config. */
export function simpleChange(
  input: ChangerInput,
  changes: readonly ConfChangeSingle[],
): ConfigAndProgress {
  if (isJoint(input.config)) {
    throw new ConfChangeRefused("can't apply a simple config change in a joint config");
  }
  const st = copy(input);
  applyChanges(input, st, changes);
  let diff = 0;
  for (const id of st.cfg.incoming) if (!input.config.voters.incoming.has(id)) diff++;
  for (const id of input.config.voters.incoming) if (!st.cfg.incoming.has(id)) diff++;
  if (diff > 1) {
    throw new ConfChangeRefused('more than one voter changed without entering joint config');
  }
  return freeze(st.cfg, st.prs);
}
