import { StringDecoder } from 'node:string_decoder';

/** Lines longer than this are cut into pieces, so one runaway line can't hold the whole buffer. */
export const MAX_LINE_LENGTH = 16 * 1024;

/**
 * Turns a child's output chunks into whole lines: a partial line waits for its newline (or for
 * `flush()` when the stream ends), multi-byte characters split across chunks stay intact.
 */
export class LineSplitter {
  readonly #decoder = new StringDecoder('utf8');
  readonly #onLines: (lines: string[]) => void;
  readonly #maxLength: number;
  #pending = '';

  constructor(onLines: (lines: string[]) => void, maxLength = MAX_LINE_LENGTH) {
    this.#onLines = onLines;
    this.#maxLength = maxLength;
  }

  push(chunk: Buffer | string): void {
    const text = typeof chunk === 'string' ? chunk : this.#decoder.write(chunk);
    const parts = (this.#pending + text).split('\n');
    this.#pending = parts.pop() ?? '';
    const lines: string[] = [];
    for (const part of parts) lines.push(...this.#cut(part));
    // A partial line beyond the limit is emitted in full pieces now; the remainder keeps waiting.
    while (this.#pending.length > this.#maxLength) {
      const end = this.#cutPoint(this.#pending);
      lines.push(this.#pending.slice(0, end));
      this.#pending = this.#pending.slice(end);
    }
    if (lines.length > 0) this.#onLines(lines);
  }

  /** Emits what is left of an unterminated last line. */
  flush(): void {
    const rest = this.#pending + this.#decoder.end();
    this.#pending = '';
    if (rest.length > 0) this.#onLines(this.#cut(rest));
  }

  #cut(line: string): string[] {
    if (line.length <= this.#maxLength) return [line];
    const pieces: string[] = [];
    let rest = line;
    while (rest.length > this.#maxLength) {
      const end = this.#cutPoint(rest);
      pieces.push(rest.slice(0, end));
      rest = rest.slice(end);
    }
    if (rest.length > 0) pieces.push(rest);
    return pieces;
  }

  /** Where to cut a too-long line: at the limit, but never between the halves of a surrogate pair. */
  #cutPoint(text: string): number {
    const code = text.charCodeAt(this.#maxLength - 1);
    return code >= 0xd800 && code <= 0xdbff ? this.#maxLength - 1 : this.#maxLength;
  }
}
