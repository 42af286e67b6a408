// The receiving end of a snapshot stream as an async iterable. Received chunks wait here until
// the consumer takes them; past a byte bound the socket is paused, so a slow consumer slows the
// sender down through TCP instead of filling memory.
import { assert } from './assert.js';

/** Hooks the queue calls to stop and restart reading from the socket. */
export interface FlowControl {
  pause(): void;
  resume(): void;
}

/** A bounded single-consumer queue of byte chunks; see the file comment. */
export class ChunkQueue implements AsyncIterable<Uint8Array> {
  private readonly chunks: Uint8Array[] = [];
  // Invariant: bufferedBytes is the sum of byte lengths in chunks.
  private bufferedBytes = 0;
  private paused = false;
  private ended = false;
  private failure: Error | undefined;
  private waiter: (() => void) | undefined;
  private iterated = false;
  /** True once the consumer has taken the end of the stream (all chunks, then done). */
  consumedToEnd = false;

  constructor(
    private readonly bufferedBytesMax: number,
    private readonly flow: FlowControl,
  ) {}

  /** Adds a chunk; pauses the socket when more than the bound waits. */
  push(chunk: Uint8Array): void {
    assert(!this.ended && this.failure === undefined, 'push after the end of a chunk queue');
    this.chunks.push(chunk);
    this.bufferedBytes += chunk.byteLength;
    if (!this.paused && this.bufferedBytes > this.bufferedBytesMax) {
      this.paused = true;
      this.flow.pause();
    }
    this.wake();
  }

  /** Marks the stream complete: the iterator finishes once the chunks are taken. */
  end(): void {
    this.ended = true;
    this.wake();
  }

  /** Fails the stream: the iterator throws `err` on its next step. No-op once ended. */
  fail(err: Error): void {
    if (this.ended || this.failure !== undefined) return;
    this.failure = err;
    this.chunks.length = 0;
    this.bufferedBytes = 0;
    this.wake();
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    assert(!this.iterated, 'a snapshot stream can be iterated only once');
    this.iterated = true;
    for (;;) {
      if (this.failure !== undefined) throw this.failure;
      const chunk = this.chunks.shift();
      if (chunk !== undefined) {
        this.bufferedBytes -= chunk.byteLength;
        if (this.paused && this.bufferedBytes <= this.bufferedBytesMax / 2) {
          this.paused = false;
          this.flow.resume();
        }
        yield chunk;
        continue;
      }
      if (this.ended) {
        this.consumedToEnd = true;
        return;
      }
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
    }
  }
}
