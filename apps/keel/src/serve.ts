import {
  createJsonLogger,
  formatMemberId,
  isEmbedError,
  startServer,
  type ServerConfig,
} from '@keel/embed';
import type { KeelIo } from './cli.js';
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
  member: { readonly serve: ServerConfig; readonly name: string; readonly logLevel: LogLevel },
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
  io.stderr(
    `keel: member ${name} (${formatMemberId(server.memberId)}) serving clients at ` +
      `${server.clientUrls.join(',')}, peers at ${server.peerUrls.join(',')}`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  io.stderr(`keel: member ${name} stopping`);
  await server.close();
  return 0;
}
