import { LogPrefixer, type LogSource } from './log-prefixer.js';
import { LogStore } from './log-store.js';
import type { SupervisorOptions } from './supervisor-types.js';

/**
 * Where the supervised services' lines go: prefixed onto the screen, into the session's bounded
 * log files (`devup logs`, and the dashboard's history), and unprefixed to `onLines` (the
 * dashboard's live stream). One place, so that a line reaches all three or, when a file write
 * fails, the other two.
 */
export class ServiceOutput {
  readonly #write: (text: string) => void;
  readonly #onLines: SupervisorOptions['onLines'];
  readonly #mask: (text: string) => string;
  readonly #prefixer: LogPrefixer;
  readonly #store: LogStore | undefined;
  #storeBroken = false;

  constructor(options: Pick<SupervisorOptions, 'services' | 'write' | 'color' | 'onLines' | 'logs'>) {
    this.#write = options.write;
    this.#onLines = options.onLines;
    this.#mask = options.logs?.mask ?? ((text) => text);
    this.#prefixer = new LogPrefixer(
      options.services.map((service) => service.name),
      { color: options.color },
    );
    this.#store = options.logs === undefined ? undefined : new LogStore(options.logs.dir);
  }

  /** A session's logs start afresh (the last session's files are removed). */
  reset(): void {
    try {
      this.#store?.reset();
    } catch (error) {
      this.#storeFailed(error);
    }
  }

  /** A batch of one service's lines (its output, or devup's own words about it). */
  lines(service: string, source: LogSource, lines: string[]): void {
    this.write(lines.map((line) => this.#prefixer.format(service, source, line)).join(''));
    this.#keep(service, source, lines);
    this.#onLines?.(service, source, lines);
  }

  /** devup's own line about a service ("restarted, ready in …"). */
  notice(service: string, text: string): void {
    this.lines(service, 'devup', [text]);
  }

  /** Text for the screen only (devup's lines about the session as a whole). */
  write(text: string): void {
    if (text.length > 0) this.#write(text);
  }

  close(): void {
    this.#store?.close();
  }

  /** Also into the log files (masked as the screen is); a failure to write them ends only that. */
  #keep(service: string, source: LogSource, lines: string[]): void {
    if (!this.#store || this.#storeBroken) return;
    try {
      this.#store.append(service, source, this.#mask(lines.join('\n')).split('\n'));
    } catch (error) {
      this.#storeFailed(error);
    }
  }

  #storeFailed(error: unknown): void {
    this.#storeBroken = true;
    this.write(`devup: could not write the logs in ${this.#store?.dir}: ${(error as Error).message}\n`);
  }
}
