import { mkdirSync } from 'node:fs';
import path from 'node:path';

/**
 * Runs `fn` while holding a lock that other devup processes of this project wait for (first
 * runs creating one cluster or container, claiming the dev session). proper-lockfile's lock is
 * a directory made atomically, refreshed while held and taken over when its holder died.
 */
export async function withProjectLock<T>(
  stateDir: string,
  name: string,
  fn: () => Promise<T>,
  options: { onWait?: () => void } = {},
): Promise<T> {
  const { default: lockfile } = await import('proper-lockfile');
  mkdirSync(stateDir, { recursive: true });
  const target = path.join(stateDir, name);
  const settings = {
    realpath: false,
    lockfilePath: `${target}.lock`,
    // A holder killed with -9 stops refreshing its lock; after `stale` ms another process takes over.
    stale: 10_000,
    update: 2_000,
    // Nothing to undo if a refresh fails: the guarded step is idempotent for the next holder.
    onCompromised: () => {},
  };
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(target, settings);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
    options.onWait?.();
    release = await lockfile.lock(target, {
      ...settings,
      retries: { retries: 100_000, minTimeout: 50, maxTimeout: 500, factor: 1.5 },
    });
  }
  try {
    return await fn();
  } finally {
    await release().catch(() => {});
  }
}
