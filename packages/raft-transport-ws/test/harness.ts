// Test support: real transports on 127.0.0.1 port 0 with recording callbacks, and waits that are
// woken by events (messages, log lines, unreachable reports) and bounded by an explicit timeout.
import type { Message, MessageType } from '@keel/raft-core';
import {
  createTransport,
  type LogFields,
  type Transport,
  type TransportConfig,
} from '../src/index.js';

/** A log line as a test sees it. */
export interface LogLine {
  readonly level: 'info' | 'warn';
  readonly message: string;
  readonly fields: LogFields;
}

/** Builds a message with every field at its empty value, then `extra`. */
export function msg(
  type: MessageType,
  [from, to]: readonly [number, number],
  extra: Partial<Message> = {},
): Message {
  return {
    type,
    from,
    to,
    term: 1,
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    context: Buffer.alloc(0),
    ...extra,
  };
}

/** A transport with everything it reported recorded, and event-driven waits. */
export class TestMember {
  readonly received: Message[] = [];
  readonly unreachable: number[] = [];
  readonly logs: LogLine[] = [];
  debugLines = 0;
  readonly transport: Transport;
  url = '';
  private readonly wakers = new Set<() => void>();

  constructor(
    readonly id: number,
    overrides: Partial<TransportConfig> = {},
  ) {
    this.transport = createTransport({
      memberId: id,
      clusterId: 'cluster-a',
      clusterToken: 'token-a',
      listen: { host: '127.0.0.1', port: 0 },
      onMessage: (m) => {
        this.received.push(m);
        this.wake();
      },
      onUnreachable: (peer) => {
        this.unreachable.push(peer);
        this.wake();
      },
      logger: {
        info: (message, fields) => {
          this.logs.push({ level: 'info', message, fields });
          this.wake();
        },
        warn: (message, fields) => {
          this.logs.push({ level: 'warn', message, fields });
          this.wake();
        },
        // Debug lines only wake waiters (they mark every retry); tests count warn lines.
        debug: () => {
          this.debugLines++;
          this.wake();
        },
      },
      limits: { reconnectBaseMs: 20, reconnectMaxMs: 200, pingMs: 1000 },
      ...overrides,
    });
  }

  async start(): Promise<this> {
    this.url = (await this.transport.start()).url;
    return this;
  }

  /** Wakes waiters; also usable by tests that observe other events. */
  wake(): void {
    for (const w of [...this.wakers]) w();
  }

  /** Resolves once `cond()` holds, checking after every recorded event; rejects after `timeoutMs`. */
  until(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
    if (cond()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waker = (): void => {
        if (!cond()) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`member ${this.id}: timed out waiting for ${what}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.wakers.delete(waker);
      };
      this.wakers.add(waker);
    });
  }

  connectedTo(peer: number): Promise<void> {
    return this.until(
      () => this.transport.connectedSinceMs(peer) !== undefined,
      `connected to ${peer}`,
    );
  }

  logsWith(code: string): LogLine[] {
    return this.logs.filter((l) => l.fields.code === code);
  }
}

/** Starts `ids.length` members and connects every pair; returns them in `ids` order. */
export async function fullMesh(
  ids: readonly number[],
  overrides: Partial<TransportConfig> = {},
): Promise<TestMember[]> {
  const members = await Promise.all(ids.map((id) => new TestMember(id, overrides).start()));
  for (const a of members) {
    for (const b of members) if (a !== b) a.transport.addPeer(b.id, b.url);
  }
  await Promise.all(
    members.flatMap((a) => members.filter((b) => b !== a).map((b) => a.connectedTo(b.id))),
  );
  return members;
}

/** Closes every member. */
export async function closeAll(members: readonly TestMember[]): Promise<void> {
  await Promise.all(members.map((m) => m.transport.close()));
}
