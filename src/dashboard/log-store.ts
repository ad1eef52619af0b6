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
 * Where the dashboard keeps and reads log lines. Small on purpose, so the log store `devup logs`
 * gets (src/services/, built beside this) can take this one's place behind the same interface.
 */
export interface LogStore {
  append(resource: string, source: LogLine['source'], text: string): LogLine;
  /** The kept lines of the named resources (all when none), oldest first. */
  lines(resources?: readonly string[]): LogLine[];
}

/** Fixed-size circular buffer: memory stays bounded however much a service prints. */
export class Ring<T> {
  readonly #items: (T | undefined)[];
  #next = 0;
  #size = 0;

  constructor(capacity: number) {
    this.#items = new Array<T | undefined>(capacity);
  }

  push(item: T): void {
    this.#items[this.#next] = item;
    this.#next = (this.#next + 1) % this.#items.length;
    this.#size = Math.min(this.#size + 1, this.#items.length);
  }

  toArray(): T[] {
    const start = (this.#next - this.#size + this.#items.length) % this.#items.length;
    const out: T[] = [];
    for (let i = 0; i < this.#size; i++) out.push(this.#items[(start + i) % this.#items.length] as T);
    return out;
  }
}

/** A bounded ring of lines per resource. */
export class RingLogStore implements LogStore {
  readonly #capacity: number;
  readonly #rings = new Map<string, Ring<LogLine>>();
  #seq = 0;

  constructor(capacityPerResource = 5000) {
    this.#capacity = capacityPerResource;
  }

  append(resource: string, source: LogLine['source'], text: string): LogLine {
    let ring = this.#rings.get(resource);
    if (!ring) {
      ring = new Ring<LogLine>(this.#capacity);
      this.#rings.set(resource, ring);
    }
    const line: LogLine = { seq: ++this.#seq, time: Date.now(), resource, source, text };
    ring.push(line);
    return line;
  }

  lines(resources?: readonly string[]): LogLine[] {
    const names = resources && resources.length > 0 ? resources : [...this.#rings.keys()];
    const all = names.flatMap((name) => this.#rings.get(name)?.toArray() ?? []);
    return all.sort((a, b) => a.seq - b.seq);
  }
}
