// Goal: auto-compaction with etcd's semantics, proposed by the leader through the log: revision
// mode compacts to `current - retention` every 5 minutes; periodic mode keeps `retention` of
// history (a bare "1" is one hour) and compacts to the newest revision sampled at least that long
// ago. Method: one real member on a manual clock (minutes pass at once), the compactor's log line
// awaited as the event, then reads below and at the compacted revision.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startServer, type Logger, type Server, type ServerConfig } from '../src/index.js';
import { b, ManualClock, tempDir, within } from './helpers.js';

let dir: string;
let remove: () => Promise<void>;
let server: Server | undefined;

beforeEach(async () => {
  ({ dir, remove } = await tempDir());
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  await remove();
});

/** A logger that resolves `compacted` with the revision of the first auto-compaction. */
function watchingLogger(): { logger: Logger; compacted: Promise<number> } {
  let done: (revision: number) => void = () => undefined;
  const compacted = new Promise<number>((resolve) => (done = resolve));
  const quiet = (): void => undefined;
  const logger: Logger = {
    debug: quiet,
    warn: quiet,
    error: quiet,
    info: (fields, message) => {
      if (message === 'auto-compaction: compacted') done((fields as { revision: number }).revision);
    },
  };
  return { logger, compacted };
}

async function startWith(extra: ServerConfig, clock: ManualClock): Promise<Server> {
  const s = await startServer(
    {
      name: 'ac',
      dataDir: dir,
      listenClientUrls: ['http://127.0.0.1:0'],
      advertiseClientUrls: ['http://127.0.0.1:0'],
      // Coarse ticks: the manual clock jumps by minutes, and a lone member needs no ticks to lead.
      tickMs: 1000,
      electionMs: 10_000,
      ...extra,
    },
    { clock, unsafeNoSync: true },
  );
  await within(s.ready, 5000, 'ready');
  return s;
}

async function putMany(s: Server, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await s.kv.put({ key: b('k'), value: b(String(i)) });
}

describe('auto-compaction', () => {
  it('revision mode compacts to current - retention every 5 minutes, on the leader', async () => {
    const clock = new ManualClock();
    const { logger, compacted } = watchingLogger();
    server = await startWith(
      { autoCompactionMode: 'revision', autoCompactionRetention: '10', logger },
      clock,
    );
    await putMany(server, 30);
    clock.advance(5 * 60 * 1000);
    expect(await within(compacted, 5000, 'compaction')).toBe(21);
    await expect(server.kv.range({ key: b('k'), revision: 20 })).rejects.toMatchObject({
      code: 'COMPACTED',
    });
    expect((await server.kv.range({ key: b('k'), revision: 21 })).kvs).toHaveLength(1);
  });

  it('periodic mode with retention "1" keeps one hour of history', async () => {
    const clock = new ManualClock();
    const { logger, compacted } = watchingLogger();
    server = await startWith(
      { autoCompactionMode: 'periodic', autoCompactionRetention: '1', logger },
      clock,
    );
    await putMany(server, 5);
    // Samples are taken every tenth of the hour: this one records revision 6.
    clock.advance(6 * 60 * 1000);
    await putMany(server, 5);
    // One hour after that sample, it is the newest revision at least an hour old.
    clock.advance(60 * 60 * 1000);
    expect(await within(compacted, 5000, 'compaction')).toBe(6);
    await expect(server.kv.range({ key: b('k'), revision: 5 })).rejects.toMatchObject({
      code: 'COMPACTED',
    });
    expect((await server.kv.range({ key: b('k'), revision: 6 })).kvs).toHaveLength(1);
  });
});
