// Goal: the leader-only loop of the demo runs as long as the member leads without piling up
// abort listeners (one per turn was a leak: Node warned with MaxListenersExceededWarning after
// ten turns). Method: a real single embedded member in a temp directory; the loop runs 40 turns
// of 5 ms; every process warning of the run is collected.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer } from '@keel/embed';
import { describe, expect, it } from 'vitest';
import { watchLeadership } from './leader-watch.js';
import type { Output } from './output.js';

describe('watchLeadership', () => {
  it('counts while leading without leaking abort listeners', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'keel-demo-watch-'));
    const server = await startServer({
      name: 'w',
      dataDir,
      listenClientUrls: ['http://127.0.0.1:0'],
      advertiseClientUrls: ['http://127.0.0.1:0'],
      listenPeerUrls: ['http://127.0.0.1:0'],
      initialAdvertisePeerUrls: ['http://127.0.0.1:0'],
      tickMs: 10,
      electionMs: 100,
    });
    const warnings: string[] = [];
    const onWarning = (w: Error): void => {
      warnings.push(`${w.name}: ${w.message}`);
    };
    process.on('warning', onWarning);
    const ac = new AbortController();
    const lines: string[] = [];
    const out = { leader: (t: string) => lines.push(t) } as unknown as Output;
    try {
      const done = watchLeadership({ server, intervalMs: 5, out, signal: ac.signal });
      await new Promise<void>((resolve) => {
        const check = setInterval(() => {
          if (lines.some((l) => l.endsWith('counter = 40'))) {
            clearInterval(check);
            resolve();
          }
        }, 10);
      });
      ac.abort();
      await done;
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on a tick
      expect(warnings.filter((w) => w.includes('MaxListenersExceeded'))).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 30_000);
});
