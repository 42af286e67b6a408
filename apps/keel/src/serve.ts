import { createJsonLogger, formatMemberId, isEmbedError, startServer } from '@keel/embed';
import type { KeelIo, KeelOutcome } from './cli.js';
import { startFaultEndpoint, type FaultEndpoint } from './fault-endpoint.js';
import type { LogLevel } from './notes.js';
import type { LogLevel as EmbedLogLevel } from '@keel/embed';

/** etcd's log levels mapped onto the JSON logger's (panic and fatal log as errors). */
function embedLogLevel(level: LogLevel): EmbedLogLevel {
  return level === 'panic' || level === 'fatal' ? 'error' : level;
}

/**
 * Starts the member and serves until SIGTERM or SIGINT, then closes it cleanly, or until the
 * member stops by itself (removed from the cluster, or a fatal error). Returns the exit status:
 * 0 after a clean stop or a removal, 1 when the member could not start or stopped on an error
 * (the message says why).
 */
export async function serveMember(
  member: Extract<KeelOutcome, { serve: unknown }>,
  io: KeelIo,
): Promise<number> {
  const name = member.name;
  const logger = createJsonLogger({
    level: embedLogLevel(member.logLevel),
    fields: { member: name },
  });
  let server;
  try {
    server = await startServer({ ...member.serve, logger });
  } catch (e) {
    io.stderr(`keel: the member could not start (${describe(e)})`);
    return 1;
  }
  let faults: FaultEndpoint | undefined;
  if (member.faultInjectionUrl !== undefined) {
    try {
      faults = await startFaultEndpoint(server, member.faultInjectionUrl);
    } catch (e) {
      io.stderr(`keel: the fault endpoint could not listen (${String(e)}); stopping`);
      await server.close();
      return 1;
    }
    io.stderr(`keel: warning: TEST-ONLY fault injection endpoint at ${faults.url}`);
  }
  io.stderr(
    `keel: member ${name} (${formatMemberId(server.memberId)}) serving clients at ` +
      `${server.clientUrls.join(',')}, peers at ${server.peerUrls.join(',')}`,
  );
  const signalled = await untilSignalOrStop(server.stopped);
  if (!signalled) {
    // The member stopped by itself, as etcd does once removed from the cluster (exit 0) or on a
    // fatal error (exit 1).
    const removed = isEmbedError(server.stopReason, 'MEMBER_REMOVED');
    io.stderr(`keel: member ${name} stopped (${describe(server.stopReason)}); exiting`);
    await faults?.close();
    return removed ? 0 : 1;
  }
  io.stderr(`keel: member ${name} stopping`);
  await faults?.close();
  await server.close();
  return 0;
}

function describe(e: unknown): string {
  if (isEmbedError(e)) return `${e.code}: ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}

/** Resolves true on SIGTERM or SIGINT, false when the member stops by itself first. */
function untilSignalOrStop(stopped: Promise<void>): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const onSignal = (): void => {
      resolve(true);
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    void stopped.then(() => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      resolve(false);
    });
  });
}
