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
 * Starts the member and serves until SIGTERM or SIGINT, then closes it cleanly. Returns the exit
 * status: 0 after a clean stop, 1 when the member could not start (the message says why).
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
    const why = isEmbedError(e)
      ? `${e.code}: ${e.message}`
      : e instanceof Error
        ? e.message
        : String(e);
    io.stderr(`keel: the member could not start (${why})`);
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
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  io.stderr(`keel: member ${name} stopping`);
  await faults?.close();
  await server.close();
  return 0;
}
