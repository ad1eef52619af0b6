import { rmSync } from 'node:fs';
import { writeJsonAtomic } from '../lib/atomic-json.js';
import type { ServiceSnapshot } from './service-status.js';

/** What `.devup/…` says about a running `devup dev`, so other commands (status, down) can find it. */
export interface RuntimeState {
  pid: number;
  startedAt: string;
  services: ServiceSnapshot[];
}

/** Keeps the runtime state file current while devup supervises services; removed on stop. */
export class RuntimeStateFile {
  readonly file: string;
  readonly #startedAt = new Date().toISOString();

  constructor(file: string) {
    this.file = file;
  }

  /** Synchronous and small: called on every status change, and must be done before the next. */
  write(services: ServiceSnapshot[]): void {
    const state: RuntimeState = { pid: process.pid, startedAt: this.#startedAt, services };
    writeJsonAtomic(this.file, state);
  }

  remove(): void {
    rmSync(this.file, { force: true });
  }
}
