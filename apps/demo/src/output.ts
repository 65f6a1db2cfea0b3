/** Where the story writes: process.stdout in the CLI, a string collector in tests. */
export interface Output {
  write(text: string): unknown;
  /** when true, progress is redrawn on one line; otherwise each update is its own line (logs, CI, pipes) */
  isTTY?: boolean;
}

export function heading(out: Output, text: string): void {
  out.write(`\n== ${text} ==\n`);
}

export function line(out: Output, text = ''): void {
  out.write(`${text}\n`);
}

/** A one-line progress indicator: redrawn in place on a terminal, plain lines elsewhere. */
export function createProgress(out: Output) {
  let open = false;
  return {
    /** transient text (e.g. "saving…"): only shown on a terminal, where the next update replaces it */
    working(text: string): void {
      if (!out.isTTY) return;
      out.write(`\r\x1b[2K${text}`);
      open = true;
    },
    /** a finished step: replaces the line on a terminal, a new line elsewhere */
    update(text: string): void {
      if (out.isTTY) {
        out.write(`\r\x1b[2K${text}`);
        open = true;
      } else {
        out.write(`${text}\n`);
      }
    },
    /** ends the progress line so normal output continues below it */
    end(): void {
      if (open) out.write('\n');
      open = false;
    },
  };
}

/** Collects everything written, for tests. */
export function memoryOutput(isTTY = false): Output & { text(): string } {
  const chunks: string[] = [];
  return { isTTY, write: (text: string) => chunks.push(text), text: () => chunks.join('') };
}

export const shortId = (id: string): string => id.slice(0, 8);

/**
 * process.stdout for the CLI. When the reader goes away (`npm run demo | head`)
 * the rest of the output is dropped instead of crashing on EPIPE, so the run
 * still finishes and closes the database cleanly.
 */
export function stdoutOutput(stream: NodeJS.WriteStream = process.stdout): Output {
  let closed = false;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    closed = true;
  });
  return {
    isTTY: stream.isTTY === true,
    write: (text: string) => {
      if (!closed) stream.write(text);
    },
  };
}
