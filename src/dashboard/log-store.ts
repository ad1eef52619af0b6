import { type LogEntry, loggedResources, readLog, readLogTail } from '../services/log-store.js';

/** One line of a resource's log, as the page and `devup logs` read it (ANSI colours kept). */
export interface LogLine {
  /** Increasing across every resource of the session. */
  seq: number;
  /** Milliseconds since the epoch. */
  time: number;
  resource: string;
  source: 'stdout' | 'stderr' | 'devup';
  text: string;
}

/**
 * Where the dashboard numbers and reads log lines. Small on purpose: the page needs no more of
 * the store behind it.
 */
export interface LogStore {
  /** A line the supervisor has just handed over, numbered for the live stream. */
  append(resource: string, source: LogLine['source'], text: string): LogLine;
  /** The kept lines of the named resources (all when none), oldest first; the newest `limit` when given. */
  lines(resources?: readonly string[], limit?: number): LogLine[];
}

/**
 * The Logs page's history read from the session's log files (src/services/log-store.ts), the ones
 * `devup logs` reads: one bounded buffer per resource (two files of 5 MB) for both, and nothing
 * kept twice in devup's memory. The supervisor writes each line there in the same call that hands
 * it to the dashboard, so this store only numbers the live lines; the history is numbered back
 * from the newest, which is the last line handed out, and the page's next live line follows it.
 */
export class SessionLogStore implements LogStore {
  readonly #dir: string;
  readonly #mask: (text: string) => string;
  #seq = 0;

  /** `mask`: what the page may see of a line (the files hold what the screen shows). */
  constructor(dir: string, mask: (text: string) => string) {
    this.#dir = dir;
    this.#mask = mask;
  }

  append(resource: string, source: LogLine['source'], text: string): LogLine {
    return { seq: ++this.#seq, time: Date.now(), resource, source, text };
  }

  lines(resources?: readonly string[], limit?: number): LogLine[] {
    const names = resources && resources.length > 0 ? resources : loggedResources(this.#dir);
    const read = (name: string): LogEntry[] =>
      limit === undefined ? readLog(this.#dir, name).entries : readLogTail(this.#dir, name, limit);
    // Stable: lines of one resource keep their order, whatever their timestamps. The newest
    // `limit` of all are among the newest `limit` of each.
    let entries = names.flatMap(read).sort((a, b) => a.time - b.time);
    if (limit !== undefined) entries = entries.slice(-limit);
    // Lines that reached the files but not the stream (none, unless a write raced the page's start).
    if (entries.length > this.#seq) this.#seq = entries.length;
    const first = this.#seq - entries.length + 1;
    return entries.map((entry, i) => ({
      seq: first + i,
      time: entry.time,
      resource: entry.resource,
      source: entry.stream,
      text: this.#mask(entry.line),
    }));
  }
}
