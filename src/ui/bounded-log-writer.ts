/** The part of a Writable (process.stdout) the writer needs. */
export interface LogStream {
  write(text: string): boolean;
  readonly writableLength: number;
  once(event: 'drain', listener: () => void): unknown;
}

/** How far the reader of devup's output may fall behind before service lines are dropped. */
export const LOG_BACKLOG_BYTES = 1024 * 1024;

/**
 * Writes service output to devup's stdout without letting it pile up in memory: while the reader
 * (a pipe read slowly, a stalled `| less`) is more than `limitBytes` behind, lines are dropped
 * and counted instead of buffered, and once it has caught up, one line says how many were lost.
 * Dropping rather than pausing the services: a slow terminal must not stall the services
 * themselves, and the log files (`devup logs`) keep every line.
 */
export class BoundedLogWriter {
  readonly #stream: LogStream;
  readonly #limitBytes: number;
  readonly #notice: (dropped: number) => string;
  #dropped = 0;
  #total = 0;
  #waiting = false;

  constructor(stream: LogStream, options: { limitBytes?: number; notice: (dropped: number) => string }) {
    this.#stream = stream;
    this.#limitBytes = options.limitBytes ?? LOG_BACKLOG_BYTES;
    this.#notice = options.notice;
  }

  /** Lines dropped since devup started. */
  get dropped(): number {
    return this.#total;
  }

  write(text: string): void {
    if (this.#stream.writableLength > this.#limitBytes) {
      this.#dropped += countLines(text);
      this.#total += countLines(text);
      this.#waitForDrain();
      return;
    }
    this.#flushNotice();
    this.#stream.write(text);
  }

  #waitForDrain(): void {
    if (this.#waiting) return;
    this.#waiting = true;
    this.#stream.once('drain', () => {
      this.#waiting = false;
      this.#flushNotice();
    });
  }

  #flushNotice(): void {
    if (this.#dropped === 0) return;
    const dropped = this.#dropped;
    this.#dropped = 0;
    this.#stream.write(this.#notice(dropped));
  }
}

function countLines(text: string): number {
  let count = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) count++;
  return count === 0 ? 1 : count;
}
