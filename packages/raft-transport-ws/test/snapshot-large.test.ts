// Goal: a 200 MB snapshot streams through with the receiver's memory growing by less than 64 MB:
// the receiver pauses the socket while its consumer is behind, and never holds the snapshot.
// Method: the sender runs in a child process (test/fixtures/snapshot-sender.ts) so this
// process's RSS is the receiver's alone; RSS is sampled at every received chunk, and the body's
// sha256 is compared with the one the sender computed.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { TestMember, closeAll } from './harness.js';

let members: TestMember[] = [];
afterEach(async () => {
  await closeAll(members);
  members = [];
});

const mib = 1024 * 1024;
const chunkCount = 200;
const growthBytesMax = 64 * mib;
const senderScript = fileURLToPath(new URL('./fixtures/snapshot-sender.ts', import.meta.url));

/** Runs the sender child and resolves with the JSON line it prints. */
function runSender(url: string): Promise<{ status: string; sha256: string }> {
  const child = spawn(
    process.execPath,
    ['--conditions=@keel/source', '--import', 'tsx', senderScript, url, String(chunkCount)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve(JSON.parse(out) as { status: string; sha256: string });
      else reject(new Error(`sender exited with ${String(code)}: ${out}`));
    });
  });
}

describe('snapshot memory', () => {
  it('receives 200 MB with less than 64 MB of memory growth', async () => {
    const got = createHash('sha256');
    let receivedBytes = 0;
    let peakRss = 0;
    const b = await new TestMember(2, {
      onSnapshot: async (s) => {
        for await (const chunk of s.chunks) {
          got.update(chunk);
          receivedBytes += chunk.byteLength;
          peakRss = Math.max(peakRss, process.memoryUsage.rss());
        }
      },
      // Frequent pings: liveness must survive the socket being paused for backpressure.
      limits: { pingMs: 200 },
    }).start();
    members = [b];
    b.transport.addPeer(1, 'ws://127.0.0.1:1');
    const baseRss = process.memoryUsage.rss();
    const sender = await runSender(b.url);
    expect(sender.status).toBe('finish');
    expect(receivedBytes).toBe(chunkCount * mib);
    expect(got.digest('hex')).toBe(sender.sha256);
    await b.until(() => b.received.some((m) => m.type === 'MsgSnap'), 'MsgSnap');
    expect(peakRss - baseRss).toBeLessThan(growthBytesMax);
    console.log(
      `snapshot 200 MiB: receiver RSS growth ${((peakRss - baseRss) / mib).toFixed(1)} MiB`,
    );
  }, 60_000);
});
