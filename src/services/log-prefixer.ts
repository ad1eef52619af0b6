import { stripVTControlCharacters } from 'node:util';

/** Where a line of the combined log came from. */
export type LogSource = 'stdout' | 'stderr' | 'devup';

/**
 * The marker between a service's name and its line:
 *   `auth | …` the service's stdout
 *   `auth ! …` its stderr (the `!` is red when colours are on)
 *   `auth * …` devup itself speaking about the service (exits, restarts, give-ups)
 * A marker rather than colour alone, so stderr stays recognisable in CI logs and when piped.
 */
export const LOG_MARKERS: Record<LogSource, string> = { stdout: '|', stderr: '!', devup: '*' };

/** Six foreground colours (cyan, green, yellow, blue, magenta, bright cyan); red is kept for stderr. */
const PALETTE = [36, 32, 33, 34, 35, 96] as const;
const RED = 31;
const BOLD = 1;
const RESET = '\u001b[0m';

/** A stable colour per name (FNV-1a hash over the palette), so `auth` looks the same every day. */
export function colorCodeFor(name: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    hash ^= name.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return PALETTE[hash % PALETTE.length] as number;
}

const paint = (code: number, text: string) => `\u001b[${code}m${text}${RESET}`;

/**
 * What a terminal would show of a line: a trailing `\r` (CRLF output) is dropped, and a progress
 * bar redrawn with `\r` keeps only its last state, which would otherwise overwrite our prefix.
 */
function visiblePart(line: string): string {
  const trimmed = line.endsWith('\r') ? line.slice(0, -1) : line;
  const lastReturn = trimmed.lastIndexOf('\r');
  return lastReturn === -1 ? trimmed : trimmed.slice(lastReturn + 1);
}

/** Formats the lines of every service into one stream, each prefixed with its service's name. */
export class LogPrefixer {
  readonly #color: boolean;
  readonly #prefixes = new Map<string, Record<LogSource, string>>();

  constructor(names: readonly string[], options: { color: boolean }) {
    this.#color = options.color;
    const width = Math.max(0, ...names.map((name) => name.length));
    for (const name of names) this.#prefixes.set(name, this.#buildPrefixes(name, width));
  }

  /** One output line (without its newline) as it goes into the stream, newline included. */
  format(service: string, source: LogSource, line: string): string {
    const prefixes = this.#prefixes.get(service) ?? this.#buildPrefixes(service, service.length);
    let text = visiblePart(line);
    if (!this.#color) text = stripVTControlCharacters(text);
    // The child's colours are kept, but closed at the end of its line so they can't bleed into the next prefix.
    else if (text.includes('\u001b')) text += RESET;
    if (source === 'devup' && this.#color) text = paint(BOLD, text);
    return text === '' ? `${prefixes[source].trimEnd()}\n` : `${prefixes[source]}${text}\n`;
  }

  #buildPrefixes(name: string, width: number): Record<LogSource, string> {
    const padded = name.padEnd(width);
    const label = this.#color ? paint(colorCodeFor(name), padded) : padded;
    const marker = (source: LogSource) => {
      const text = LOG_MARKERS[source];
      if (!this.#color) return text;
      return source === 'stderr' ? paint(RED, text) : paint(colorCodeFor(name), text);
    };
    return {
      stdout: `${label} ${marker('stdout')} `,
      stderr: `${label} ${marker('stderr')} `,
      devup: `${label} ${marker('devup')} `,
    };
  }
}
