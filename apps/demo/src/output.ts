/** Prints the demo's lines: coloured on a terminal, plain otherwise (pipes, CI logs). */
export interface Output {
  line(text: string): void;
  /** A line about leadership, highlighted on a terminal. */
  leader(text: string): void;
  /** A problem and what to do about it, on stderr. */
  error(text: string): void;
}

/** An Output on this process's stdout and stderr. */
export function createOutput(tty = process.stdout.isTTY): Output {
  const paint = (code: number, text: string) => (tty ? `\u001b[${code}m${text}\u001b[0m` : text);
  return {
    line: (text) => process.stdout.write(`${text}\n`),
    leader: (text) => process.stdout.write(`${paint(36, text)}\n`),
    error: (text) => process.stderr.write(`${paint(31, text)}\n`),
  };
}
