// The simulated cluster: members, the network between them, and the step scheduler. Each step
// draws one event from the run's generator (deliver a message, tick every clock, handle a Ready,
// propose, change membership, transfer leadership, ask a read, crash or restart a node,
// partition or heal the network) and the checkers judge every observation as it happens.
import { assert } from '../../assert.js';
import type { ConfState, Entry } from '../../types.js';
import { createPrng } from '../prng.js';
import type { Prng } from '../prng.js';
import { SafetyChecker } from './checkers.js';
import { drawConfChange } from './conf-change-gen.js';
import { drawSimOptions, simEventKinds } from './options.js';
import type { SimEventKind, SimOptions } from './options.js';
import { SimNetwork } from './sim-network.js';
import { SimNode, tolerateRaftError } from './sim-node.js';
import { SimStateMachine } from './sim-state-machine.js';

/** Proposal payloads start with a kind byte: a client write, or the liveness probe. */
export const payloadKinds = { write: 1, probe: 2 } as const;

/** Counters of one run, printed in its summary so a run shows what it exercised. */
export interface ClusterStats {
  steps: number;
  ticks: number;
  proposals: number;
  confChanges: number;
  transfers: number;
  reads: number;
  readsAnswered: number;
  crashes: number;
  restarts: number;
  partitions: number;
}

function memberIds(cs: ConfState): number[] {
  return [...new Set([...cs.voters, ...cs.learners, ...cs.votersOutgoing, ...cs.learnersNext])];
}

/** A deterministic cluster of RawNodes driven by one seeded generator. */
export class Cluster {
  readonly prng: Prng;
  readonly options: SimOptions;
  readonly checker = new SafetyChecker();
  readonly network: SimNetwork;
  readonly nodes = new Map<number, SimNode>();
  /** Ids removed by an applied conf change, with the log index of that change; never reused. */
  readonly removed = new Map<number, number>();
  readonly stats: ClusterStats = {
    steps: 0,
    ticks: 0,
    proposals: 0,
    confChanges: 0,
    transfers: 0,
    reads: 0,
    readsAnswered: 0,
    crashes: 0,
    restarts: 0,
    partitions: 0,
  };
  nowTicks = 0;
  private payloadSeq = 0;
  // The newest configuration any node applied, and the log index it took effect at.
  private configIndex = 1;
  private members: number[] = [];
  private readSeq = 0;
  private readonly weightTotal: number;
  /** Called when a node applies a liveness probe; set by the liveness phase. */
  onProbeApplied: ((node: SimNode, entry: Entry) => void) | undefined;

  constructor(seed: number, options?: SimOptions) {
    this.prng = createPrng(seed);
    this.options = options ?? drawSimOptions(this.prng);
    this.network = new SimNetwork(this.prng, this.options);
    this.weightTotal = simEventKinds.reduce((sum, k) => sum + this.options.weights[k], 0);
    assert(this.weightTotal > 0, 'every event weight is 0');
    this.bootstrap();
  }

  private bootstrap(): void {
    const voters = Array.from({ length: this.options.memberCount }, (_, i) => i + 1);
    const confState = {
      voters,
      learners: [],
      votersOutgoing: [],
      learnersNext: [],
      autoLeave: false,
    };
    // Every initial member starts from the same snapshot at index 1 holding the configuration,
    // as etcd's bootstrap does; members added later start empty and get a snapshot.
    const sm = SimStateMachine.empty();
    sm.index = 1;
    this.members = voters;
    for (const id of voters) {
      const node = this.addNode(id);
      node.storage.applySnapshot({ data: sm.encode(), metadata: { index: 1, term: 1, confState } });
      node.storage.setHardState({ term: 1, vote: 0, commit: 1 });
      node.start();
    }
  }

  private addNode(id: number): SimNode {
    const node = new SimNode(id, {
      prng: this.prng,
      options: this.options,
      checker: this.checker,
      network: this.network,
      nowTicks: () => this.nowTicks,
      onApplied: (n, e) => {
        this.onApplied(n, e);
      },
      onConfState: (_n, cs, index) => {
        this.onConfState(cs, index);
      },
      onReadState: () => {
        this.stats.readsAnswered++;
      },
    });
    this.nodes.set(id, node);
    return node;
  }

  private onApplied(node: SimNode, e: Entry): void {
    if (e.type === 'EntryNormal' && e.data[0] === payloadKinds.probe)
      this.onProbeApplied?.(node, e);
  }

  // A configuration that names an id never seen starts that node, empty, as an operator would;
  // one that drops a member marks it removed for good. Nodes apply the same configurations in the
  // same order, so only one newer than any seen so far (by log index) says something new.
  private onConfState(cs: ConfState, index: number): void {
    if (index <= this.configIndex) return;
    this.configIndex = index;
    const members = memberIds(cs);
    for (const id of this.members) if (!members.includes(id)) this.removed.set(id, index);
    this.members = members;
    for (const id of members) {
      if (!this.nodes.has(id)) this.addNode(id).start();
    }
  }

  /** The running nodes, by ascending id. */
  upNodes(): SimNode[] {
    return [...this.nodes.values()].filter((n) => n.isUp()).sort((a, b) => a.id - b.id);
  }

  private pickUp(): SimNode | undefined {
    const up = this.upNodes();
    return up.length === 0 ? undefined : up[this.prng.nextInt(up.length)];
  }

  /** A running node that believes it leads (the one of the highest term when several do). */
  leader(): SimNode | undefined {
    let best: SimNode | undefined;
    let bestTerm = -1;
    for (const n of this.upNodes()) {
      if (!n.isLeader()) continue;
      const term = n.storage.initialState().hardState.term;
      if (term > bestTerm) {
        best = n;
        bestTerm = term;
      }
    }
    return best;
  }

  private drawEvent(): SimEventKind {
    let x = this.prng.nextInt(this.weightTotal);
    for (const k of simEventKinds) {
      x -= this.options.weights[k];
      if (x < 0) return k;
    }
    return 'deliver';
  }

  /** Runs one step: one event, then maybe the Ready of the nodes it touched. */
  step(): void {
    this.stats.steps++;
    const touched = this.runEvent(this.drawEvent());
    for (const node of touched) {
      if (this.prng.chance(this.options.readyEagerRate)) node.handleReady();
    }
  }

  private runEvent(kind: SimEventKind): SimNode[] {
    switch (kind) {
      case 'deliver':
        return this.deliverSome();
      case 'tick':
        return this.tick();
      case 'ready':
        return this.readyOne();
      case 'propose':
        return this.proposeOne();
      case 'confChange':
        return this.confChangeOne();
      case 'transfer':
        return this.transferOne();
      case 'readIndex':
        return this.readOne();
      case 'crash':
        return this.crashOrRestart();
      case 'partition':
        return this.partition();
      case 'heal':
        this.network.heal();
        return [];
    }
  }

  // Delivers a burst of due messages: one at a time, a large cluster with short heartbeats sends
  // faster than it delivers and its queue (and so every delay) grows without end.
  private deliverSome(): SimNode[] {
    const burst = 1 + this.prng.nextInt(2 * this.options.memberCount);
    const touched = new Set<SimNode>();
    for (let i = 0; i < burst; i++) {
      const nodes = this.deliverOne();
      if (nodes === undefined) break;
      for (const n of nodes) touched.add(n);
    }
    return [...touched].sort((a, b) => a.id - b.id);
  }

  /** Delivers the next due message; returns the nodes it touched, undefined when none was due. */
  deliverOne(): SimNode[] | undefined {
    const d = this.network.take(this.nowTicks);
    if (d === undefined) return undefined;
    const m = d.message;
    const from = this.nodes.get(m.from);
    const to = this.nodes.get(m.to);
    if (d.lost || to?.raw === undefined) {
      from?.reportLost(m);
      return from === undefined ? [] : [from];
    }
    const raw = to.raw;
    tolerateRaftError(() => {
      raw.step(m);
    });
    if (m.type === 'MsgSnap' && from?.raw !== undefined) from.raw.reportSnapshot(m.to, true);
    return from === undefined ? [to] : [to, from];
  }

  /** Advances the clock one tick on every running node (their clocks stay in step). */
  tick(): SimNode[] {
    this.nowTicks++;
    this.stats.ticks++;
    const up = this.upNodes();
    for (const n of up) n.raw?.tick();
    return up;
  }

  private readyOne(): SimNode[] {
    const node = this.pickUp();
    node?.handleReady();
    return [];
  }

  /** A payload no other proposal has: kind byte, sequence number, then padding. */
  nextPayload(kind: number): Uint8Array {
    const data = new Uint8Array(5 + this.prng.nextInt(24));
    data[0] = kind;
    new DataView(data.buffer).setUint32(1, ++this.payloadSeq, true);
    return data;
  }

  private proposeOne(): SimNode[] {
    const node = this.pickUp();
    if (node?.raw === undefined) return [];
    const raw = node.raw;
    this.stats.proposals++;
    const data = this.nextPayload(payloadKinds.write);
    tolerateRaftError(() => {
      raw.propose(data);
    });
    return [node];
  }

  private freshId(): number | undefined {
    for (let id = 1; id <= this.options.idMax; id++) if (!this.nodes.has(id)) return id;
    return undefined;
  }

  private confChangeOne(): SimNode[] {
    const leader = this.leader();
    if (leader?.raw === undefined) return [];
    const raw = leader.raw;
    const cc = drawConfChange(this.prng, {
      config: raw.status().config,
      leaderId: leader.id,
      freshId: this.freshId(),
    });
    if (cc === undefined) return [];
    this.stats.confChanges++;
    tolerateRaftError(() => {
      raw.proposeConfChange(cc);
    });
    return [leader];
  }

  private transferOne(): SimNode[] {
    const node = this.pickUp();
    if (node?.raw === undefined) return [];
    const raw = node.raw;
    this.stats.transfers++;
    if (!node.isLeader()) {
      // A follower may forget its leader (etcd's ForgetLeader), which speeds up elections.
      if (this.prng.chance(0.2)) raw.forgetLeader();
      return [node];
    }
    const ids = memberIds(raw.status().config);
    const target = ids[this.prng.nextInt(ids.length)];
    if (target !== undefined) raw.transferLeader(target);
    return [node];
  }

  private readOne(): SimNode[] {
    const node = this.pickUp();
    if (node?.raw === undefined) return [];
    const raw = node.raw;
    this.stats.reads++;
    const key = ++this.readSeq;
    const ctx = new Uint8Array(8);
    new DataView(ctx.buffer).setFloat64(0, key, true);
    this.checker.observeReadRequest(node.id, String(key));
    raw.readIndex(ctx);
    return [node];
  }

  private crashOrRestart(): SimNode[] {
    const down = [...this.nodes.values()].filter((n) => !n.isUp() && !this.removed.has(n.id));
    const up = this.upNodes();
    // Keep a majority of the initial size running, so runs make progress between faults.
    const downMax = Math.max(1, Math.floor((this.options.memberCount - 1) / 2));
    if (down.length > 0 && (down.length >= downMax || this.prng.chance(0.5) || up.length <= 1)) {
      const node = down[this.prng.nextInt(down.length)];
      if (node === undefined) return [];
      this.stats.restarts++;
      node.start();
      return [node];
    }
    // Half the crashes hit the leader: losing it mid-replication is what tests elections.
    const leader = this.leader();
    const node =
      leader !== undefined && this.prng.chance(0.5) ? leader : up[this.prng.nextInt(up.length)];
    if (node === undefined) return [];
    this.stats.crashes++;
    // A leader that dies right after writing a proposal to disk, before sending it, leaves an
    // entry only it holds: successive leaders doing so build the divergent logs of the Raft
    // paper's figure 8, where a wrong commit rule loses a committed entry.
    if (node === leader && node.raw !== undefined && this.prng.chance(0.3)) {
      const raw = node.raw;
      tolerateRaftError(() => {
        raw.propose(this.nextPayload(payloadKinds.write));
      });
    }
    node.crash(this.prng.chance(0.5));
    return [];
  }

  private partition(): SimNode[] {
    const ids = [...this.nodes.keys()].sort((a, b) => a - b);
    const group = ids.filter(() => this.prng.chance(0.4));
    this.stats.partitions++;
    this.network.partition(group);
    return [];
  }
}
