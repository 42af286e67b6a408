// The watch checker. Several watchers of one key range must see the same events in the same
// order, with no gap, from their start revision until they are cancelled. Each watcher covers a
// window of revisions [startRevision, through]; within the overlap of two windows their events
// must be identical. Every event any watcher saw, and every key of the final state, is evidence:
// a watcher whose window holds its revision and that did not see it has a gap.
//
// A revision may carry several events (one Txn that writes several keys of the range); they share
// the revision and come in the Txn's order, so within a revision watchers must agree on the order,
// and across revisions the order must increase.
import { ChaosError } from './errors.js';
import { watchEventsMax, watchersMax } from './limits.js';

/** One event as a watcher received it. */
export interface WatchEvent {
  /** The event's revision (etcd's `kv.mod_revision`), > 0. */
  readonly revision: number;
  readonly key: string;
  readonly type: 'put' | 'delete';
  /** The value written by a put; when absent, only the type is compared with other sources. */
  readonly value?: string;
}

/** Everything one watcher saw. */
export interface WatcherLog {
  readonly watcherId: string;
  /** The watch's start revision: it owes every event of the range from this revision on. */
  readonly startRevision: number;
  readonly events: readonly WatchEvent[];
  /**
   * The revision through which the watcher is known to have received every event: the header
   * revision of a progress notification, or of its cancellation once caught up. Defaults to its
   * last event's revision; a watcher is never expected to have seen anything after it.
   */
  readonly throughRevision?: number;
}

/** A key of the watched range as a final read saw it. */
export interface FinalKeyValue {
  readonly key: string;
  readonly value: string;
  readonly modRev: number;
}

/** One way the watchers disagree with each other or with the final state. */
export interface WatchViolation {
  /**
   * `order`: revisions went backwards, an event came before the start revision, or two watchers
   * ordered one revision's events differently. `duplicate`: an event came twice. `gap`: an event
   * inside the watcher's window is missing. `mismatch`: two sources disagree on an event.
   */
  readonly kind: 'order' | 'duplicate' | 'gap' | 'mismatch';
  readonly watcherId: string;
  readonly revision: number;
  readonly key: string;
  readonly detail: string;
}

interface Evidence {
  readonly event: WatchEvent;
  /** A watcher id, or `final` for the final state. */
  readonly source: string;
}

const eventId = (e: { revision: number; key: string }): string =>
  `${e.revision}|${JSON.stringify(e.key)}`;

function describeEvent(e: WatchEvent): string {
  return e.type === 'put' ? `put ${e.key}=${String(e.value)}` : `delete ${e.key}`;
}

function checkShape(watchers: readonly WatcherLog[]): void {
  const fail = (message: string): ChaosError =>
    new ChaosError({ code: 'INVALID_HISTORY', message });
  if (watchers.length > watchersMax) throw fail(`more than ${watchersMax} watchers`);
  const ids = new Set<string>();
  for (const w of watchers) {
    if (ids.has(w.watcherId)) throw fail(`watcher ${w.watcherId} appears twice`);
    ids.add(w.watcherId);
    if (!Number.isSafeInteger(w.startRevision) || w.startRevision < 0) {
      throw fail(`watcher ${w.watcherId}: bad startRevision`);
    }
    if (w.events.length > watchEventsMax) throw fail(`watcher ${w.watcherId}: too many events`);
    for (const e of w.events) {
      if (!Number.isSafeInteger(e.revision) || e.revision < 1) {
        throw fail(`watcher ${w.watcherId}: event revision ${e.revision} is not an integer >= 1`);
      }
    }
  }
}

/** The last revision a watcher owes: its claimed progress or its last event, whichever is later. */
function throughOf(w: WatcherLog): number {
  const last = w.events.at(-1)?.revision ?? 0;
  return Math.max(last, w.throughRevision ?? 0);
}

/** Order, start and duplicates within one watcher's stream. */
function checkStream(w: WatcherLog, out: WatchViolation[]): void {
  const seen = new Set<string>();
  let prev = 0;
  for (const e of w.events) {
    const at = { watcherId: w.watcherId, revision: e.revision, key: e.key };
    if (e.revision < w.startRevision) {
      out.push({ kind: 'order', ...at, detail: `before start revision ${w.startRevision}` });
    }
    if (e.revision < prev) {
      out.push({ kind: 'order', ...at, detail: `revision ${e.revision} after ${prev}` });
    }
    if (seen.has(eventId(e))) out.push({ kind: 'duplicate', ...at, detail: describeEvent(e) });
    seen.add(eventId(e));
    prev = Math.max(prev, e.revision);
  }
}

/** Same type, and the same value where both sources recorded one (a log may omit values). */
function sameEvent(a: WatchEvent, b: WatchEvent): boolean {
  if (a.type !== b.type) return false;
  return a.value === undefined || b.value === undefined || a.value === b.value;
}

/** Gathers every event seen by anyone; two different events at one (revision, key) mismatch. */
function gatherEvidence(
  watchers: readonly WatcherLog[],
  final: readonly FinalKeyValue[],
  out: WatchViolation[],
): Map<string, Evidence> {
  const all = new Map<string, Evidence>();
  const add = (event: WatchEvent, source: string): void => {
    const id = eventId(event);
    const known = all.get(id);
    if (known === undefined) {
      all.set(id, { event, source });
    } else if (!sameEvent(known.event, event)) {
      const detail = `${source} saw ${describeEvent(event)}, ${known.source} saw ${describeEvent(known.event)}`;
      out.push({
        kind: 'mismatch',
        watcherId: source,
        revision: event.revision,
        key: event.key,
        detail,
      });
    }
  };
  for (const w of watchers) for (const e of w.events) add(e, w.watcherId);
  for (const kv of final)
    add({ revision: kv.modRev, key: kv.key, type: 'put', value: kv.value }, 'final');
  return all;
}

/** A final key whose last watched change is newer than its final mod revision was lost. */
function checkFinalIsLatest(
  watchers: readonly WatcherLog[],
  final: readonly FinalKeyValue[],
  out: WatchViolation[],
): void {
  const finalRev = new Map(final.map((kv) => [kv.key, kv.modRev]));
  for (const w of watchers) {
    for (const e of w.events) {
      const rev = finalRev.get(e.key);
      if (rev === undefined || e.revision <= rev) continue;
      const detail = `watched ${describeEvent(e)} at ${e.revision}, final mod revision ${rev}`;
      out.push({
        kind: 'mismatch',
        watcherId: w.watcherId,
        revision: e.revision,
        key: e.key,
        detail,
      });
    }
  }
}

function checkGaps(w: WatcherLog, all: ReadonlyMap<string, Evidence>, out: WatchViolation[]): void {
  const own = new Set(w.events.map(eventId));
  const through = throughOf(w);
  for (const [id, { event, source }] of all) {
    if (event.revision < w.startRevision || event.revision > through || own.has(id)) continue;
    const detail = `missing ${describeEvent(event)} that ${source} shows (window ${w.startRevision}..${through})`;
    out.push({
      kind: 'gap',
      watcherId: w.watcherId,
      revision: event.revision,
      key: event.key,
      detail,
    });
  }
}

/** Within one revision, every watcher must list the shared keys in the first watcher's order. */
function checkSameOrder(watchers: readonly WatcherLog[], out: WatchViolation[]): void {
  const reference = new Map<number, { source: string; keys: string[] }>();
  for (const w of watchers) {
    const byRev = new Map<number, string[]>();
    for (const e of w.events) {
      // Duplicates are reported by checkStream; here only the first sighting counts.
      const keys = byRev.get(e.revision) ?? [];
      if (!keys.includes(e.key)) byRev.set(e.revision, [...keys, e.key]);
    }
    for (const [revision, keys] of byRev) {
      const ref = reference.get(revision);
      if (ref === undefined) {
        reference.set(revision, { source: w.watcherId, keys });
        continue;
      }
      const mine = keys.filter((k) => ref.keys.includes(k));
      const theirs = ref.keys.filter((k) => keys.includes(k));
      if (mine.every((k, i) => k === theirs[i])) continue;
      const detail = `order ${mine.join(',')} where ${ref.source} has ${theirs.join(',')}`;
      out.push({ kind: 'order', watcherId: w.watcherId, revision, key: mine[0] ?? '', detail });
    }
  }
}

/**
 * Checks that watchers of one key range saw the same events in the same order with no gap, and
 * agree with the final state of the range. Returns every violation found; empty when none.
 *
 * @param input.final the keys of the range as a final read saw them, if one was taken.
 * @throws ChaosError `INVALID_HISTORY` for duplicate watcher ids, bad revisions or sizes past
 *   `watchersMax` / `watchEventsMax`.
 */
export function checkWatches(input: {
  readonly watchers: readonly WatcherLog[];
  readonly final?: readonly FinalKeyValue[];
}): WatchViolation[] {
  const { watchers } = input;
  const final = input.final ?? [];
  checkShape(watchers);
  const out: WatchViolation[] = [];
  for (const w of watchers) checkStream(w, out);
  const all = gatherEvidence(watchers, final, out);
  checkFinalIsLatest(watchers, final, out);
  for (const w of watchers) checkGaps(w, all, out);
  checkSameOrder(watchers, out);
  return out;
}
