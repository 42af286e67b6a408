import type { Logger } from './config.js';

/** Log levels, quietest last. */
export const logLevels = ['debug', 'info', 'warn', 'error', 'silent'] as const;
/** One of `logLevels`. */
export type LogLevel = (typeof logLevels)[number];

/** A logger that says nothing: embed's default, so a library stays quiet unless asked. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/**
 * A structured logger writing one JSON object per line (`level`, `ts`, `msg`, then the fields),
 * the shape etcd's zap logger and pino both produce. Lines below `level` are dropped.
 */
export function createJsonLogger(
  options: { level?: LogLevel; write?: (line: string) => void; fields?: object } = {},
): Logger {
  const threshold = logLevels.indexOf(options.level ?? 'info');
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const base = options.fields ?? {};
  const at =
    (level: LogLevel) =>
    (fields: object, msg: string): void => {
      if (logLevels.indexOf(level) < threshold) return;
      const ts = new Date().toISOString();
      write(`${JSON.stringify({ level, ts, msg, ...base, ...fields })}\n`);
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
