// The logger raft writes to: injected, synchronous and deterministic (no timestamps), so that
// transcripts may include its lines. The default discards everything.

/** Where raft reports notable events. Lines are plain text without timestamps. */
export interface RaftLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
}

/** A logger that discards everything: the default. */
export const noopLogger: RaftLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
};
