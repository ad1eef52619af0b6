import { InterruptedError } from '../errors.js';

/**
 * Ctrl-C handling for long commands: the first SIGINT/SIGTERM asks for a clean stop, a second
 * one means "now". `interrupted` rejects with InterruptedError on the first signal.
 */
export class Interrupts {
  readonly controller = new AbortController();
  private count = 0;
  private readonly listeners: ((count: number) => void)[] = [];
  readonly interrupted: Promise<never>;
  private reject!: (error: unknown) => void;

  constructor() {
    this.interrupted = new Promise<never>((_, reject) => {
      this.reject = reject;
    });
    this.interrupted.catch(() => {});
    const handler = () => this.interrupt();
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
    process.on('SIGHUP', handler);
  }

  /** What a signal does; also the `q` key and Ctrl-C read from a raw-mode terminal (which sends no SIGINT). */
  interrupt(): void {
    this.count++;
    if (this.count === 1) {
      this.controller.abort(new InterruptedError());
      this.reject(new InterruptedError());
    }
    for (const listener of this.listeners) listener(this.count);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  onSignal(listener: (count: number) => void): void {
    this.listeners.push(listener);
  }

  /** Resolves `work`, or rejects with InterruptedError as soon as the user interrupts. */
  race<T>(work: Promise<T>): Promise<T> {
    return Promise.race([work, this.interrupted]);
  }
}
