import { readFileSync, rmSync } from 'node:fs';
import { writeJsonAtomic } from '../lib/atomic-json.js';
import type { ServiceState } from './service-status.js';

/** What `.devup/…` says about a running `devup dev`, so other commands (status, down) can find it. */
export interface RuntimeState {
  pid: number;
  startedAt: string;
  services: ServiceState[];
}

/** Keeps the runtime state file current while devup supervises services; removed on stop. */
export class RuntimeStateFile {
  readonly file: string;
  readonly #startedAt = new Date().toISOString();
  #written = false;

  constructor(file: string) {
    this.file = file;
  }

  /** Synchronous and small: called on every status change, and must be done before the next. */
  write(services: ServiceState[]): void {
    const state: RuntimeState = { pid: process.pid, startedAt: this.#startedAt, services };
    // The directory is made once, at the first write. After that, a directory gone means the
    // checkout was moved or deleted while the session ran: recreating it would leave an empty
    // `.devup/` at the old path (issue 26 item 8), so the state is not published any more.
    try {
      writeJsonAtomic(this.file, state, { createDir: !this.#written });
      this.#written = true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || !this.#written) throw error;
    }
  }

  /** Removes the file only while it is this process's: another session's file is not ours to delete. */
  remove(): void {
    try {
      if ((JSON.parse(readFileSync(this.file, 'utf8')) as RuntimeState).pid !== process.pid) return;
    } catch {
      return; // gone, or not a state file
    }
    rmSync(this.file, { force: true });
  }
}
