import path from 'node:path';
import type { Clock } from './clock.js';

/**
 * Files editors write beside the real one while saving, which never are migrations: dotfiles
 * (`.x.sql.swp`, `.#x.sql`), backups (`x.sql~`), swap and temporary files, Emacs autosaves
 * (`#x.sql#`), JetBrains' `___jb_tmp___` and vim's `4913` probe. The real file's own event (a rename into place) still counts.
 */
export function isEditorScratchFile(file: string): boolean {
  const name = path.basename(file);
  return (
    name.startsWith('.') ||
    name.endsWith('~') ||
    /\.sw[a-p]$/.test(name) ||
    name.endsWith('.swx') ||
    name.includes('___jb_') ||
    name.endsWith('.tmp') ||
    name === '4913' ||
    (name.startsWith('#') && name.endsWith('#'))
  );
}

/**
 * Gathers bursts of changes (an editor's save is several events; a `git pull` many files) into
 * one call: `flush` runs once nothing has changed for `quietMs`, with every key seen meanwhile.
 */
export class ChangeDebouncer<K> {
  readonly #quietMs: number;
  readonly #clock: Clock;
  readonly #flush: (keys: K[]) => void;
  readonly #keys = new Set<K>();
  #wait: AbortController | undefined;
  #closed = false;

  constructor(options: { quietMs: number; clock: Clock; flush: (keys: K[]) => void }) {
    this.#quietMs = options.quietMs;
    this.#clock = options.clock;
    this.#flush = options.flush;
  }

  /** Records a change; the quiet period starts again. */
  add(key: K): void {
    if (this.#closed) return;
    this.#keys.add(key);
    this.#wait?.abort();
    const wait = new AbortController();
    this.#wait = wait;
    void this.#clock.sleep(this.#quietMs, wait.signal).then(() => {
      if (wait.signal.aborted || this.#closed) return;
      this.#wait = undefined;
      const keys = [...this.#keys];
      this.#keys.clear();
      this.#flush(keys);
    });
  }

  /** Drops what is pending; nothing is flushed any more. */
  close(): void {
    this.#closed = true;
    this.#wait?.abort();
    this.#keys.clear();
  }
}
