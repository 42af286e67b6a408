// Auto-compaction as etcd does it, run by the leader only (its proposals go through the log, so
// every member compacts at the same index):
// - `revision`: every `revisionCheckMs` (etcd: 5 minutes), compact to `current - retention`.
// - `periodic`: keep `retention` of history. Every tenth of the window (the window being the
//   retention, at most one hour) the current revision is sampled; once per window the store is
//   compacted to the newest sample that is at least `retention` old. Retention "1" is one hour.
// A new leader starts with no samples, so after a leader change periodic compaction resumes one
// retention later, as in etcd.
import type { ApplyRequest, ApplyResult, MvccStore } from '@keel/kv-mvcc';
import type { Cancel, Clock } from './clock.js';
import type { AutoCompaction, Logger } from './config.js';
import type { Leadership } from './leadership.js';
import { revisionCompactionCheckMs } from './limits.js';

/** What the compactor needs from the server. */
export interface AutoCompactorHost {
  readonly store: MvccStore;
  readonly clock: Clock;
  readonly leadership: Leadership;
  readonly logger: Logger;
  readonly mode: AutoCompaction;
  propose(request: ApplyRequest): Promise<ApplyResult>;
}

const hourMs = 3_600_000;

/** Runs auto-compaction while this member leads; `close` stops it. */
export class AutoCompactor {
  readonly #h: AutoCompactorHost;
  readonly #stop = new AbortController();
  #done: Promise<void> | undefined;

  constructor(host: AutoCompactorHost) {
    this.#h = host;
  }

  /** Starts following leadership (nothing happens when auto-compaction is off). */
  start(): void {
    if (this.#h.mode.mode === 'off') return;
    this.#done = this.#h.leadership
      .runWhileLeader((signal) => this.#lead(signal), { signal: this.#stop.signal })
      .catch((e: unknown) => {
        this.#h.logger.error({ err: String(e) }, 'auto-compaction stopped');
      });
  }

  #lead(signal: AbortSignal): Promise<void> {
    const mode = this.#h.mode;
    let cancel: Cancel = () => undefined;
    if (mode.mode === 'revision') {
      cancel = this.#h.clock.every(revisionCompactionCheckMs, () => {
        this.#compact(this.#h.store.revision - mode.retentionRevisions);
      });
    } else if (mode.mode === 'periodic') {
      cancel = this.#periodic(mode.retentionMs);
    }
    return new Promise((resolve) => {
      signal.addEventListener('abort', () => {
        cancel();
        resolve();
      });
    });
  }

  #periodic(retentionMs: number): Cancel {
    const windowMs = Math.min(retentionMs, hourMs);
    const sampleMs = Math.max(1, Math.floor(windowMs / 10));
    const samples: { atMs: number; revision: number }[] = [];
    let lastCompactMs = this.#h.clock.nowMs();
    return this.#h.clock.every(sampleMs, () => {
      const now = this.#h.clock.nowMs();
      samples.push({ atMs: now, revision: this.#h.store.revision });
      if (now - lastCompactMs < windowMs) return;
      // The newest sample that is at least `retention` old; older samples are no longer needed.
      let target: { atMs: number; revision: number } | undefined;
      while (samples.length > 0 && (samples[0]?.atMs ?? now) <= now - retentionMs) {
        target = samples.shift();
      }
      if (target === undefined) return;
      lastCompactMs = now;
      this.#compact(target.revision);
    });
  }

  #compact(revision: number): void {
    const store = this.#h.store;
    if (revision <= 0 || revision <= store.compactRevision || revision > store.revision) return;
    // Its outcome needs no caller: a failed compaction (leadership lost, already compacted) is
    // tried again at the next interval, so the rejection is only logged.
    this.#h
      .propose({ compaction: { revision } })
      .then((r) => {
        if ('error' in r) throw r.error;
        this.#h.logger.info({ revision }, 'auto-compaction: compacted');
      })
      .catch((e: unknown) => {
        this.#h.logger.warn({ revision, err: String(e) }, 'auto-compaction failed; will retry');
      });
  }

  /** Stops compacting. Idempotent. */
  async close(): Promise<void> {
    this.#stop.abort();
    await this.#done;
  }
}
