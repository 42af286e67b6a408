// Goal: the snapshot chunk queue pauses its source above the byte bound, resumes at half of it,
// delivers in order, ends cleanly, and surfaces a failure to the consumer.
import { describe, expect, it } from 'vitest';
import { AssertionError } from './assert.js';
import { ChunkQueue } from './chunk-queue.js';

function recorder(): { events: string[]; flow: { pause(): void; resume(): void } } {
  const events: string[] = [];
  return {
    events,
    flow: { pause: () => events.push('pause'), resume: () => events.push('resume') },
  };
}

describe('ChunkQueue', () => {
  it('pauses above the bound, resumes at half, and ends after the last chunk', async () => {
    const { events, flow } = recorder();
    const q = new ChunkQueue(10, flow);
    for (let i = 0; i < 4; i++) q.push(new Uint8Array(4).fill(i));
    expect(events).toEqual(['pause']);
    q.end();
    const got: number[] = [];
    for await (const c of q) {
      got.push(c[0] ?? -1);
      events.push(`took ${c[0] ?? -1}`);
    }
    expect(got).toEqual([0, 1, 2, 3]);
    // 16 bytes wait: resume once at most 5 remain, i.e. before the third chunk is handed out.
    expect(events).toEqual(['pause', 'took 0', 'took 1', 'resume', 'took 2', 'took 3']);
    expect(q.consumedToEnd).toBe(true);
  });

  it('wakes a waiting consumer and throws a failure to it', async () => {
    const q = new ChunkQueue(100, recorder().flow);
    const err = new Error('broken');
    const consumer = (async () => {
      let n = 0;
      for await (const _c of q) n++;
      return n;
    })();
    q.push(new Uint8Array(1));
    await new Promise((r) => setImmediate(r));
    q.fail(err);
    await expect(consumer).rejects.toBe(err);
    expect(q.consumedToEnd).toBe(false);
    expect(() => {
      q.push(new Uint8Array(1));
    }).toThrow(AssertionError);
  });
});
