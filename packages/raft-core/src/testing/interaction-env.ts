// A small in-memory cluster for unit and transcript tests (the counterpart of etcd's
// rafttest.InteractionEnv): nodes over MemoryStorage, a message queue delivered on request,
// and a Ready loop that follows the README's contract. Every step returns lines of text.
import { assert } from '../assert.js';
import { decodeConfChange } from '../conf-change-codec.js';
import { isRaftError } from '../errors.js';
import type { RaftConfig } from '../config.js';
import type { RaftLogger } from '../logger.js';
import { RawNode, type Ready } from '../raw-node.js';
import type { ConfState, Entry, Message } from '../types.js';
import {
  describeBytes,
  describeEntry,
  describeHardState,
  describeMessage,
  describeSnapshot,
  describeSoftState,
} from './describe.js';
import { MemoryStorage } from './memory-storage.js';
import { createPrng } from './prng.js';

/** One member of the test cluster. */
export interface EnvNode {
  readonly id: number;
  node: RawNode;
  storage: MemoryStorage;
  /** Every committed entry this member applied, in order. */
  readonly applied: Entry[];
  config: Omit<RaftConfig, 'storage' | 'random'>;
}

/** Config overrides for added nodes. */
export type EnvNodeOptions = Partial<Omit<RaftConfig, 'id' | 'storage' | 'random'>>;

/** Upper bound of stabilize rounds; a run that does not settle fails an assertion. */
export const stabilizeRoundsMax = 200;

/** An in-memory cluster driven step by step. */
export class InteractionEnv {
  readonly nodes = new Map<number, EnvNode>();
  /** Messages in flight, in send order. */
  queue: Message[] = [];
  /** Log lines collected since the last `takeLogs` (only at level `info`). */
  private logs: string[] = [];
  private logLevel: 'none' | 'info' = 'none';

  /** Whether nodes' info and warn lines are collected for the transcript. */
  setLogLevel(level: 'none' | 'info'): void {
    this.logLevel = level;
  }

  /** Returns and clears the collected log lines. */
  takeLogs(): string[] {
    const out = this.logs;
    this.logs = [];
    return out;
  }

  private loggerFor(): RaftLogger {
    const push = (m: string): void => {
      if (this.logLevel === 'info') this.logs.push(m);
    };
    return { debug: () => undefined, info: push, warn: push };
  }

  /** Adds members `ids`, bootstrapped with `confState` (empty for joining members). */
  addNodes(ids: readonly number[], confState: ConfState, opts: EnvNodeOptions = {}): void {
    for (const id of ids) {
      assert(!this.nodes.has(id), `node ${String(id)} exists`);
      const storage = new MemoryStorage({ confState });
      const config = { id, electionTick: 10, heartbeatTick: 1, logger: this.loggerFor(), ...opts };
      const node = new RawNode({ ...config, storage, random: createPrng(id) });
      this.nodes.set(id, { id, node, storage, applied: [], config });
    }
  }

  /** The member `id`; asserts it exists. */
  get(id: number): EnvNode {
    const n = this.nodes.get(id);
    assert(n !== undefined, `no node ${String(id)}`);
    return n;
  }

  /** Ids in ascending order. */
  ids(): number[] {
    return [...this.nodes.keys()].sort((a, b) => a - b);
  }

  /** Restarts `id` from its storage, losing its volatile state. */
  restart(id: number): void {
    const n = this.get(id);
    n.node = new RawNode({ ...n.config, storage: n.storage, random: createPrng(id + 1000) });
  }

  /** Runs one Ready of `id` through persist, send, apply and advance; describes it. */
  processReady(id: number): string[] {
    const n = this.get(id);
    if (!n.node.hasReady()) return [];
    const rd = n.node.ready();
    const out = describeReady(id, rd);
    // Persist before sending (the Ready contract).
    if (rd.snapshot !== undefined) n.storage.applySnapshot(rd.snapshot);
    n.storage.append(rd.entries);
    if (rd.hardState !== undefined) n.storage.setHardState(rd.hardState);
    for (const m of rd.messages) this.queue.push(m);
    for (const e of rd.committedEntries) {
      n.applied.push(e);
      if (e.type === 'EntryConfChange') {
        n.node.applyConfChange(decodeConfChange(e.data));
      }
    }
    n.node.advance();
    return out;
  }

  /** Delivers queued messages addressed to `to` (all when undefined), dropping those in `drop`. */
  deliver(opts: { to?: number; drop?: boolean } = {}): string[] {
    const out: string[] = [];
    const keep: Message[] = [];
    const take: Message[] = [];
    for (const m of this.queue) {
      if (opts.to === undefined || m.to === opts.to) take.push(m);
      else keep.push(m);
    }
    this.queue = keep;
    for (const m of take) {
      const dst = this.nodes.get(m.to);
      if (opts.drop === true || dst === undefined) {
        out.push(`dropped: ${describeMessage(m)}`);
        continue;
      }
      try {
        dst.node.step(m);
      } catch (e) {
        // A member removed from the config still answers; its responses are refused.
        if (!isRaftError(e, 'STEP_PEER_NOT_FOUND')) throw e;
        out.push(`refused: ${describeMessage(m)}`);
      }
    }
    return out;
  }

  /**
   * Processes Readies and delivers messages among `ids` (all members when omitted) until
   * nothing moves; messages to others stay queued. Bounded.
   */
  stabilize(ids?: readonly number[]): string[] {
    const members = ids ?? this.ids();
    const out: string[] = [];
    for (let round = 0; round < stabilizeRoundsMax; round++) {
      let moved = false;
      for (const id of members) {
        const lines = this.processReady(id);
        if (lines.length > 0) moved = true;
        out.push(...lines);
      }
      for (const id of members) {
        if (!this.queue.some((m) => m.to === id)) continue;
        moved = true;
        out.push(...this.deliver({ to: id }));
      }
      if (!moved) return out;
    }
    assert(false, `stabilize did not settle in ${String(stabilizeRoundsMax)} rounds`);
  }
}

/** The transcript form of a Ready. */
export function describeReady(id: number, rd: Ready): string[] {
  const out = [`> ${String(id)} handling Ready`];
  if (rd.softState !== undefined) out.push(`  ${describeSoftState(rd.softState)}`);
  if (rd.hardState !== undefined) out.push(`  HardState ${describeHardState(rd.hardState)}`);
  if (rd.entries.length > 0) {
    out.push('  Entries:');
    for (const e of rd.entries) out.push(`  ${describeEntry(e)}`);
  }
  if (rd.snapshot !== undefined) out.push(`  Snapshot ${describeSnapshot(rd.snapshot)}`);
  if (rd.committedEntries.length > 0) {
    out.push('  CommittedEntries:');
    for (const e of rd.committedEntries) out.push(`  ${describeEntry(e)}`);
  }
  if (rd.messages.length > 0) {
    out.push('  Messages:');
    for (const m of rd.messages) out.push(`  ${describeMessage(m)}`);
  }
  for (const rs of rd.readStates) {
    out.push(`  ReadState Index:${String(rs.index)} Context:"${describeBytes(rs.requestCtx)}"`);
  }
  return out;
}
