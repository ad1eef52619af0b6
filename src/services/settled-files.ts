import { hashFiles } from '../migrations/tools/content-hash.js';
import { listDir } from '../migrations/tools/file-listing.js';
import { isEditorScratchFile } from './change-debouncer.js';
import type { Clock } from './clock.js';

/**
 * Long enough that a file written in pieces (a generator, a paste into `cat >`, an editor's
 * slow network save) is seen whole: a change is applied once nothing changed for this long.
 */
export const SETTLE_MS = 2000;

/** A directory as it is now: names, sizes, times and contents of its files (scratch files left out). */
export function readDirState(dir: string): string {
  const listing = listDir(dir, { recursive: true, include: (relative) => !isEditorScratchFile(relative) });
  // The hash reads each file again only when its size or times moved.
  return `${listing.signature}\n${hashFiles(listing.files)}`;
}

/**
 * Holds changed keys (services) until their files are stable: read, wait `settleMs`, read
 * again; the same both times (contents, sizes and times) means settled, and `ready` gets them.
 * A key that changed meanwhile waits another round. One round runs at a time.
 */
export class SettleQueue<K> {
  readonly #options: { settleMs: number; clock: Clock; read: (key: K) => string; ready: (keys: K[]) => void };
  readonly #pending = new Set<K>();
  readonly #stop = new AbortController();
  #running: Promise<void> | undefined;

  constructor(options: { settleMs: number; clock: Clock; read: (key: K) => string; ready: (keys: K[]) => void }) {
    this.#options = options;
  }

  add(keys: readonly K[]): void {
    if (this.#stop.signal.aborted) return;
    for (const key of keys) this.#pending.add(key);
    this.#running ??= this.#loop().finally(() => {
      this.#running = undefined;
    });
  }

  /** Resolves when no key is waiting (for tests and shutdown). */
  async idle(): Promise<void> {
    await this.#running;
  }

  close(): void {
    this.#stop.abort();
    this.#pending.clear();
  }

  async #loop(): Promise<void> {
    const { settleMs, clock, read, ready } = this.#options;
    while (this.#pending.size > 0 && !this.#stop.signal.aborted) {
      const keys = [...this.#pending];
      this.#pending.clear();
      const first = new Map(keys.map((key) => [key, read(key)]));
      await clock.sleep(settleMs, this.#stop.signal);
      if (this.#stop.signal.aborted) return;
      const settled: K[] = [];
      for (const key of keys) {
        if (!this.#pending.has(key) && read(key) === first.get(key)) settled.push(key);
        else this.#pending.add(key);
      }
      if (settled.length > 0) ready(settled);
    }
  }
}
