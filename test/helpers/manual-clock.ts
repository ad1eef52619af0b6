import type { Clock } from '../../src/services/clock.js';

/** Time moves only when the test says so; sleeps end when their time comes or their signal aborts. */
export class ManualClock implements Clock {
  time = 0;
  readonly #sleepers = new Set<{ at: number; wake: () => void }>();
  now(): number {
    return this.time;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const sleeper = { at: this.time + ms, wake: resolve };
      this.#sleepers.add(sleeper);
      signal?.addEventListener('abort', () => {
        this.#sleepers.delete(sleeper);
        resolve();
      });
    });
  }
  async advance(ms: number): Promise<void> {
    this.time += ms;
    for (const sleeper of [...this.#sleepers]) {
      if (sleeper.at > this.time) continue;
      this.#sleepers.delete(sleeper);
      sleeper.wake();
    }
    // Let the woken sleepers' continuations run.
    await new Promise((resolve) => setImmediate(resolve));
  }
}
