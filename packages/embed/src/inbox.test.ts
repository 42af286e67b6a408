// Goal: the inbox queues in order, wakes a waiting loop, bounds ordinary events with OVERLOADED
// while letting urgent ones through, and refuses events after close with STOPPED.
import { describe, expect, it } from 'vitest';
import { isEmbedError } from './errors.js';
import { Inbox } from './inbox.js';

function codeOf(fn: () => void): string | undefined {
  try {
    fn();
  } catch (e) {
    if (isEmbedError(e)) return e.code;
    throw e;
  }
  return undefined;
}

describe('Inbox', () => {
  it('wakes a waiting loop and drains in order', async () => {
    const inbox = new Inbox<number>(10);
    const woken = inbox.wait();
    inbox.push(1);
    inbox.push(2);
    await woken;
    expect(inbox.drain()).toEqual([1, 2]);
    expect(inbox.size).toBe(0);
  });

  it('refuses ordinary events when full but takes urgent ones', () => {
    const inbox = new Inbox<string>(2);
    inbox.push('a');
    inbox.push('b');
    expect(
      codeOf(() => {
        inbox.push('c');
      }),
    ).toBe('OVERLOADED');
    inbox.pushUrgent('tick');
    expect(inbox.drain()).toEqual(['a', 'b', 'tick']);
  });

  it('wakes the loop on close and refuses later events', async () => {
    const inbox = new Inbox<string>(2);
    const woken = inbox.wait();
    inbox.close();
    await woken;
    expect(inbox.closed).toBe(true);
    expect(
      codeOf(() => {
        inbox.push('late');
      }),
    ).toBe('STOPPED');
    await inbox.wait();
  });
});
