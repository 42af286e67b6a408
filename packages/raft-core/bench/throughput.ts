// `pnpm --filter @keel/raft-core bench`: the Raft core alone, 3 members in one process, no IO.
// The embedder loop is the real one (persist to MemoryStorage, send, apply, advance) with
// messages handed straight to the peer's `step`. Figures, as JSON lines (docs/benchmarks.md):
// - committed entries/s of 256-byte entries with 1, 64 and 1024 proposals per Ready, against
//   the rate of copying the same bytes into three arrays (one per member), the work no
//   replication can avoid;
// - CPU microseconds per committed entry at each batch size, against that copy's CPU cost;
// - heap after a long run with compaction, against the heap after its first part (flat: 1).
import { reportFigure } from '@keel/bench-kit';
import { RawNode } from '../src/index.js';
import type { Message } from '../src/index.js';
import { MemoryStorage, createPrng } from '../src/testing/index.js';

const entryBytes = 256;
const members = [1, 2, 3];
const measureMs = Number(process.env['BENCH_MS'] ?? 2000);
const longRunEntries = Number(process.env['BENCH_LONG_ENTRIES'] ?? 10_000_000);
/** The long run stops at `longRunEntries` or after this long, whichever comes first. */
const longRunSecondsMax = Number(process.env['BENCH_LONG_SECONDS'] ?? 30);
/** Compact every member's log behind this many applied entries. */
const compactEveryEntries = 10_000;

interface Member {
  readonly id: number;
  readonly storage: MemoryStorage;
  readonly node: RawNode;
  applied: number;
  compactedTo: number;
}

function createMember(id: number): Member {
  const storage = new MemoryStorage();
  const confState = {
    voters: members,
    learners: [],
    votersOutgoing: [],
    learnersNext: [],
    autoLeave: false,
  };
  storage.applySnapshot({ data: new Uint8Array(0), metadata: { index: 1, term: 1, confState } });
  storage.setHardState({ term: 1, vote: 0, commit: 1 });
  const node = new RawNode({
    id,
    electionTick: 10,
    heartbeatTick: 1,
    storage,
    random: createPrng(id),
    applied: 1,
    maxSizePerMsg: 1 << 20,
    maxInflightMsgs: 256,
    maxCommittedSizePerReady: 64 << 20,
    maxUncommittedEntriesSize: 1 << 30,
  });
  return { id, storage, node, applied: 1, compactedTo: 1 };
}

class Group {
  readonly members = new Map<number, Member>(members.map((id) => [id, createMember(id)]));
  private inbox: Message[] = [];

  leader(): Member {
    const m = this.members.get(1);
    if (m === undefined) throw new Error('no member 1');
    return m;
  }

  /** One turn of every member's loop, then delivery of what they sent. */
  turn(): void {
    for (const m of this.members.values()) this.handleReady(m);
    const msgs = this.inbox;
    this.inbox = [];
    for (const msg of msgs) this.members.get(msg.to)?.node.step(msg);
  }

  private handleReady(m: Member): void {
    if (!m.node.hasReady()) return;
    const rd = m.node.ready();
    if (rd.snapshot !== undefined) m.storage.applySnapshot(rd.snapshot);
    if (rd.entries.length > 0) m.storage.append(rd.entries);
    if (rd.hardState !== undefined) m.storage.setHardState(rd.hardState);
    for (const msg of rd.messages) this.inbox.push(msg);
    const last = rd.committedEntries[rd.committedEntries.length - 1];
    if (last !== undefined) m.applied = last.index;
    m.node.advance();
    if (m.applied - m.compactedTo >= compactEveryEntries) {
      m.storage.createSnapshot(m.applied, undefined, new Uint8Array(0));
      m.storage.compact(m.applied);
      m.compactedTo = m.applied;
    }
  }

  elect(): void {
    this.leader().node.campaign();
    for (let i = 0; i < 20; i++) this.turn();
    if (this.leader().node.status().softState.raftState !== 'StateLeader') {
      throw new Error('member 1 did not become leader');
    }
  }
}

interface Run {
  entries: number;
  seconds: number;
  cpuMicros: number;
}

/** Proposes `batch` entries per turn until `until` says stop; counts entries the leader applied. */
function drive(group: Group, batch: number, until: (r: Run) => boolean): Run {
  const leader = group.leader();
  const payload = new Uint8Array(entryBytes).fill(7);
  const startApplied = leader.applied;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const run: Run = { entries: 0, seconds: 0, cpuMicros: 0 };
  let proposed = 0;
  for (let turns = 0; !until(run); turns++) {
    // Keep at most a few batches in flight, as a client with a bounded pipeline would.
    if (proposed - (leader.applied - startApplied) < 4 * batch) {
      for (let i = 0; i < batch; i++) leader.node.propose(payload);
      proposed += batch;
    }
    group.turn();
    if (turns % 16 === 0) {
      run.entries = leader.applied - startApplied;
      run.seconds = (performance.now() - t0) / 1000;
    }
  }
  const cpu = process.cpuUsage(cpu0);
  run.entries = leader.applied - startApplied;
  run.seconds = (performance.now() - t0) / 1000;
  run.cpuMicros = cpu.user + cpu.system;
  return run;
}

/** The physical reference: copy 256-byte payloads into one array per member. */
function copyBaseline(): { perSecond: number; cpuMicrosPerEntry: number } {
  const payload = new Uint8Array(entryBytes).fill(7);
  const arena = new Uint8Array(entryBytes * 4096);
  const logs: Uint8Array[][] = members.map(() => []);
  let copies = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  while (performance.now() - t0 < measureMs / 2) {
    for (let i = 0; i < 4096; i++) {
      for (const log of logs) {
        const slot = arena.subarray((i % 4096) * entryBytes, ((i % 4096) + 1) * entryBytes);
        slot.set(payload);
        log.push(slot);
      }
      copies++;
    }
    for (const log of logs) log.length = 0;
  }
  const cpu = process.cpuUsage(cpu0);
  const seconds = (performance.now() - t0) / 1000;
  return { perSecond: copies / seconds, cpuMicrosPerEntry: (cpu.user + cpu.system) / copies };
}

function heapMb(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  return process.memoryUsage().heapUsed / (1 << 20);
}

function main(): void {
  const baseline = copyBaseline();
  const baselineName = 'copy of the 256 B payload into 3 arrays (one per member)';
  for (const batch of [1, 64, 1024]) {
    const group = new Group();
    group.elect();
    drive(group, batch, (r) => r.seconds > 0.2); // warm-up
    const run = drive(group, batch, (r) => r.seconds * 1000 >= measureMs);
    reportFigure({
      bench: 'raft-core/commit',
      metric: `committed entries/s 256B batch=${batch}`,
      value: run.entries / run.seconds,
      unit: 'entries/s',
      baseline: baselineName,
      baselineValue: baseline.perSecond,
    });
    reportFigure({
      bench: 'raft-core/commit',
      metric: `CPU us per committed entry batch=${batch}`,
      value: run.cpuMicros / run.entries,
      unit: 'us',
      baseline: baselineName,
      baselineValue: baseline.cpuMicrosPerEntry,
    });
  }
  const group = new Group();
  group.elect();
  const tenth = Math.max(1, Math.floor(longRunEntries / 10));
  const warm = drive(group, 1024, (r) => r.entries >= tenth || r.seconds >= longRunSecondsMax / 10);
  const heapStart = heapMb();
  const run = drive(
    group,
    1024,
    (r) => r.entries >= longRunEntries - tenth || r.seconds >= longRunSecondsMax,
  );
  const heapEnd = heapMb();
  reportFigure({
    bench: 'raft-core/memory',
    metric: `heap MB after ${warm.entries + run.entries} entries with compaction (batch=1024)`,
    value: heapEnd,
    unit: 'MB',
    baseline: `heap after the first ${warm.entries} entries`,
    baselineValue: heapStart,
  });
  reportFigure({
    bench: 'raft-core/memory',
    metric: `committed entries/s over the long run (batch=1024)`,
    value: run.entries / run.seconds,
    unit: 'entries/s',
    baseline: baselineName,
    baselineValue: baseline.perSecond,
  });
}

main();
