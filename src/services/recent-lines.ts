/** The last lines a service printed (both streams, without colours), kept for failure reports. */
export class RecentLines {
  readonly #capacity: number;
  #lines: string[] = [];

  constructor(capacity = 20) {
    this.#capacity = capacity;
  }

  add(line: string): void {
    this.#lines.push(line);
    if (this.#lines.length > this.#capacity * 2) this.#lines = this.#lines.slice(-this.#capacity);
  }

  last(count = this.#capacity): string[] {
    return this.#lines.slice(-Math.min(count, this.#capacity));
  }
}
