import { addExitHook } from '../lib/exit-hooks.js';
import { processStart } from '../process-identity.js';
import { RuntimeStateFile } from './runtime-state.js';
import { serviceUrl } from './service-operations.js';
import type { ServiceState } from './service-status.js';
import type { SupervisedService } from './supervised-service.js';

/** A supervised service as the state file shows it. */
export function serviceState(service: SupervisedService): ServiceState {
  const state: ServiceState = { name: service.name, status: service.status };
  const url = serviceUrl(service.settings);
  if (service.pid !== null) {
    state.pid = service.pid;
    const started = processStart(service.pid);
    if (started !== undefined) state.started = started;
  }
  if (service.settings.port !== undefined) state.port = service.settings.port;
  if (url !== null) state.url = url;
  if (service.readyMs !== null) state.readyMs = service.readyMs;
  return state;
}

/**
 * The state file over one supervision: written on every change from start() on, removed when
 * supervision ends or devup exits. A write that fails is said once; supervision goes on without it.
 */
export class PublishedState {
  readonly #file: RuntimeStateFile | undefined;
  readonly #states: () => ServiceState[];
  readonly #warn: (text: string) => void;
  #broken = false;
  #ended = false;
  /** Removes the exit hook that removes the file (set while services may be running). */
  #forgetAtExit: (() => void) | undefined;

  constructor(file: string | undefined, states: () => ServiceState[], warn: (text: string) => void) {
    this.#file = file === undefined ? undefined : new RuntimeStateFile(file);
    this.#states = states;
    this.#warn = warn;
  }

  begin(): void {
    const file = this.#file;
    if (file) this.#forgetAtExit = addExitHook(() => file.remove());
    this.update();
  }

  update(): void {
    if (!this.#file || this.#broken || this.#ended) return;
    try {
      this.#file.write(this.#states());
    } catch (error) {
      // The state file only serves other commands.
      this.#broken = true;
      this.#warn(`devup: could not write ${this.#file.file}: ${(error as Error).message}\n`);
    }
  }

  end(): void {
    this.#ended = true;
    this.#forgetAtExit?.();
    this.#file?.remove();
  }
}
