/** Prints the demo's lines: coloured on a terminal, plain otherwise (pipes, CI logs). */
export interface Output {
  line(text: string): void;
  /** A line about leadership, highlighted on a terminal. */
  leader(text: string): void;
  /** A line about a fault the demo injected (chaos), highlighted on a terminal. */
  fault(text: string): void;
  /** A problem and what to do about it, on stderr. */
  error(text: string): void;
  /**
   * A live status line, redrawn in place under the other lines on a terminal; nothing elsewhere,
   * so logs and pipes get plain lines only. An empty text removes it.
   */
  status(text: string): void;
}

const clearLine = '\r\u001b[2K';

/** An Output on this process's stdout and stderr. */
export function createOutput(tty = process.stdout.isTTY): Output {
  const paint = (code: number, text: string) => (tty ? `\u001b[${code}m${text}\u001b[0m` : text);
  let live = '';
  // On a terminal, every line first erases the live status, then draws it again below itself.
  const write = (stream: NodeJS.WriteStream, text: string) => {
    if (live === '') {
      stream.write(`${text}\n`);
      return;
    }
    process.stdout.write(clearLine);
    stream.write(`${text}\n`);
    process.stdout.write(paint(2, live));
  };
  return {
    line: (text) => {
      write(process.stdout, text);
    },
    leader: (text) => {
      write(process.stdout, paint(36, text));
    },
    fault: (text) => {
      write(process.stdout, paint(33, text));
    },
    error: (text) => {
      write(process.stderr, paint(31, text));
    },
    status: (text) => {
      if (!tty || text === live) return;
      live = text;
      process.stdout.write(live === '' ? clearLine : `${clearLine}${paint(2, live)}`);
    },
  };
}
