// Goal: watchers that each see a window of one true event stream are always accepted, and
// removing any event inside a watcher's window, or swapping two events of different revisions,
// is always reported. Method: fast-check streams of puts and deletes (several per revision, as
// one Txn makes) and random windows.
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { checkWatches, type WatchEvent, type WatcherLog } from './index.js';

const arbStream = fc
  .array(fc.tuple(fc.integer({ min: 1, max: 3 }), fc.boolean(), fc.nat(4)), {
    minLength: 1,
    maxLength: 30,
  })
  .map((steps) => {
    const events: WatchEvent[] = [];
    steps.forEach(([count, put, key], i) => {
      // One revision per step; a step of several events writes distinct keys, like one Txn.
      for (let k = 0; k < count; k++) {
        const name = `k${(key + k) % 5}`;
        const revision = i + 2;
        events.push(
          put
            ? { revision, key: name, type: 'put', value: `${name}@${revision}` }
            : { revision, key: name, type: 'delete' },
        );
      }
    });
    return events;
  });

const arbWindows = fc.array(fc.tuple(fc.nat(40), fc.nat(40)), { minLength: 2, maxLength: 4 });

function watchersOf(events: readonly WatchEvent[], windows: readonly [number, number][]) {
  return windows.map(([a, b], i): WatcherLog => {
    const lo = Math.min(a, b) + 1;
    const hi = Math.max(a, b) + 1;
    const seen = events.filter((e) => e.revision >= lo && e.revision <= hi);
    return { watcherId: `w${i}`, startRevision: lo, events: seen, throughRevision: hi };
  });
}

describe('checkWatches on windows of one stream', () => {
  test.prop([arbStream, arbWindows], { numRuns: 200 })(
    'accepts watchers that each saw their window of the stream',
    (events, windows) => {
      expect(checkWatches({ watchers: watchersOf(events, windows) })).toEqual([]);
    },
  );

  test.prop([arbStream, arbWindows, fc.record({ pick: fc.nat(), swap: fc.boolean() })], {
    numRuns: 200,
  })(
    'reports a dropped event or two events of different revisions swapped',
    (events, windows, { pick, swap }) => {
      const watchers = watchersOf(events, windows);
      // The full stream as a reference watcher: every dropped event is then someone's evidence.
      const reference: WatcherLog = { watcherId: 'all', startRevision: 1, events };
      const victim = watchers[pick % watchers.length]!;
      const seen = [...victim.events];
      fc.pre(seen.length >= 2 || (!swap && seen.length >= 1));
      const at = pick % seen.length;
      if (swap) {
        const other = seen.findIndex((e) => e.revision !== seen[at]!.revision);
        fc.pre(other !== -1);
        [seen[at], seen[other]] = [seen[other]!, seen[at]!];
      } else {
        seen.splice(at, 1);
      }
      const broken = watchers.map((w) => (w === victim ? { ...w, events: seen } : w));
      const found = checkWatches({ watchers: [reference, ...broken] });
      expect(found.some((v) => v.watcherId === victim.watcherId)).toBe(true);
      expect(found.map((v) => v.kind)).toContain(swap ? 'order' : 'gap');
    },
  );
});
