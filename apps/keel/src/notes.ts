// Log levels and the notes that parsing leaves for the user (accepted-but-ignored flags,
// unrecognized ETCD_* variables), printed by the command at or above --log-level.

/** etcd's log levels, lowest first (`--log-level`). */
export const logLevels = ['debug', 'info', 'warn', 'error', 'panic', 'fatal'] as const;

/** One of etcd's log levels. */
export type LogLevel = (typeof logLevels)[number];

/** True when `text` is one of etcd's log levels. */
export function isLogLevel(text: string): text is LogLevel {
  return (logLevels as readonly string[]).includes(text);
}

/** A message found while reading the configuration, with the level it is logged at. */
export interface Note {
  readonly level: 'debug' | 'info' | 'warn';
  readonly text: string;
}

/** True when a note at `level` is shown under `--log-level=threshold`. */
export function isShown(level: LogLevel, threshold: LogLevel): boolean {
  return logLevels.indexOf(level) >= logLevels.indexOf(threshold);
}
