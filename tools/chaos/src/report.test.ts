// Goal: a failed check leaves readable evidence: the history as JSON lines that decode back to the
// same operations (unknown outcomes included), an HTML timeline per offending key with the
// violating region and the blocking operation marked and every text escaped, and the same for lost
// writes and watches. Method: real files in a mkdtemp directory, removed afterwards.
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HistoryBuilder } from '../test/history-builder.js';
import {
  HistoryRecorder,
  checkLinearizable,
  checkWatches,
  decodeHistoryJsonl,
  encodeHistoryJsonl,
  findLostAppends,
  listAppendModel,
  registerModel,
  renderTimeline,
  writeLossReport,
  writeViolationReport,
  writeWatchReport,
  type ListAppendInput,
  type ListAppendOutput,
  type RegisterInput,
  type RegisterOutput,
} from './index.js';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keel-chaos-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const w = (value: string, key: string): RegisterInput => ({ f: 'write', key, value });
const r = (key: string): RegisterInput => ({ f: 'read', key });

/** A stale read on key `<b>` (a name that needs escaping) and a good key `fine`. */
function staleHistory(): HistoryBuilder<RegisterInput, RegisterOutput> {
  return new HistoryBuilder<RegisterInput, RegisterOutput>()
    .ok([1, 0, 10], w('x', 'fine'))
    .ok([1, 20, 30], r('fine'), { value: 'x' })
    .ok([2, 0, 10], w('<script>', '<b>'))
    .unknown(3, 5, w('later', '<b>'))
    .ok([2, 40, 50], r('<b>'), { value: null });
}

describe('encodeHistoryJsonl / decodeHistoryJsonl', () => {
  it('round-trips a recorded history, open-ended unknowns included', () => {
    const h = new HistoryRecorder<RegisterInput, RegisterOutput>();
    const a = h.invoke(1, w('a', 'k'));
    const b = h.invoke(2, r('k'));
    h.invoke(3, w('c', 'k'));
    a('ok', { modRev: 2 });
    b('ok', { value: 'a', modRev: 2 });
    const ops = h.operations();
    const text = encodeHistoryJsonl(ops);
    expect(text.split('\n')).toHaveLength(4);
    expect(text).toContain('"completeUs":null');
    expect(decodeHistoryJsonl(text)).toEqual(ops);
  });

  it('rejects bad lines with INVALID_HISTORY', () => {
    const good = encodeHistoryJsonl(staleHistory().ops);
    for (const bad of [
      'not json',
      '[1]',
      '{"id":"1","process":1,"invokeUs":0,"completeUs":1,"outcome":"ok","input":{}}',
      '{"id":1,"process":1,"invokeUs":0,"completeUs":"x","outcome":"ok","input":{}}',
      '{"id":1,"process":1,"invokeUs":0,"completeUs":1,"outcome":"maybe","input":{}}',
      '{"id":0,"process":1,"invokeUs":0,"completeUs":1,"outcome":"ok","input":{}}',
    ]) {
      expect(() => decodeHistoryJsonl(`${good}${bad}\n`), bad).toThrow(
        expect.objectContaining({ code: 'INVALID_HISTORY' }),
      );
    }
  });
});

describe('writeViolationReport', () => {
  it('writes the history and one timeline for the offending key only', async () => {
    const ops = staleHistory().ops;
    const model = registerModel();
    const result = checkLinearizable(model, ops);
    expect(result.verdict).toBe('violation');
    const files = await writeViolationReport(dir, { model, ops, result });
    expect((await readdir(dir)).sort()).toEqual(['history.jsonl', 'timeline-_b_.html']);
    expect(files.timelinePaths).toEqual([join(dir, 'timeline-_b_.html')]);
    const back = decodeHistoryJsonl(await readFile(files.historyPath, 'utf8'));
    expect(back).toEqual(ops);
    const html = await readFile(files.timelinePaths[0]!, 'utf8');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('class="region"');
    // The stale read (op 4) blocks; it is drawn with the thick red outline.
    expect(result.keys.find((k) => k.key === '<b>')?.blockingId).toBe(4);
    expect(html).toMatch(/stroke="#c00000" stroke-width="3"[^>]*\/><text[^>]*>4: r null/);
    expect(html).toContain('No linearization gets past op 4');
  });

  it('writes only the history when every key is ok', async () => {
    const ops = staleHistory().ops.slice(0, 2);
    const model = registerModel();
    const files = await writeViolationReport(dir, {
      model,
      ops,
      result: checkLinearizable(model, ops),
    });
    expect(files.timelinePaths).toEqual([]);
    expect(await readdir(dir)).toEqual(['history.jsonl']);
  });
});

describe('writeLossReport and writeWatchReport', () => {
  it('draws lost appends per key and writes watcher logs with their violations', async () => {
    const ops = new HistoryBuilder<ListAppendInput, ListAppendOutput>()
      .ok([1, 0, 10], { f: 'append', key: 'l', value: 'a' })
      .ok([1, 20, 30], { f: 'append', key: 'l', value: 'b' }).ops;
    const losses = findLostAppends(ops, new Map([['l', ['a']]]));
    const files = await writeLossReport(dir, { model: listAppendModel(), ops, losses });
    const html = await readFile(files.timelinePaths[0]!, 'utf8');
    expect(html).toContain('lost b: acknowledged but absent from the final list');
    expect(html).toContain('class="region"');

    const watchers = [
      {
        watcherId: 'w1',
        startRevision: 1,
        events: [{ revision: 2, key: 'a', type: 'put' as const }],
      },
      { watcherId: 'w2', startRevision: 1, events: [], throughRevision: 3 },
    ];
    const violations = checkWatches({ watchers });
    expect(violations.map((v) => v.kind)).toEqual(['gap']);
    const watchFiles = await writeWatchReport(dir, { watchers, violations });
    const lines = (await readFile(watchFiles.watchersPath, 'utf8')).trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { watcherId: string }).watcherId)).toEqual([
      'w1',
      'w2',
    ]);
    const written = JSON.parse(await readFile(watchFiles.violationsPath, 'utf8')) as unknown;
    expect(written).toEqual(violations);
  });
});

describe('renderTimeline', () => {
  it('draws every process as a row and leaves out operations past the cap', () => {
    const h = new HistoryBuilder<RegisterInput, RegisterOutput>();
    for (let i = 0; i < 2_100; i++) h.ok([i % 4, i * 10, i * 10 + 5], w(`v${i}`, 'k'));
    const html = renderTimeline({
      title: 'big',
      key: 'k',
      ops: h.ops,
      describe: (input) => input.f,
      region: { loUs: 0, hiUs: 50 },
    });
    for (const p of [0, 1, 2, 3]) expect(html).toContain(`>p${p}</text>`);
    expect(html).toContain('100 operations far from the region are left out.');
    expect(html).toContain('>0: write</text>');
    expect(html).not.toContain('>2099: write</text>');
  });
});
