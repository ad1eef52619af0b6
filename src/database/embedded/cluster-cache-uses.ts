import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { withProjectLock } from '../../project-lock.js';

/**
 * The cluster cache keeps one entry per (version, superuser, settings): an upgrade of the
 * binaries or another superuser leaves the old entry behind (~40 MB each). An entry unused for
 * this long is removed, as are what a killed devup left (a half-built entry, a trash directory).
 */
export const UNUSED_ENTRY_MS = 14 * 24 * 60 * 60 * 1000;

/** A use marker of another host cannot be checked by pid: it counts as live until it is this old. */
const FOREIGN_USE_MS = 24 * 60 * 60 * 1000;

const ENTRY = /^pg\d+-[0-9a-f]{16}$/;
/** `.build-<pid>-<hex>` and `.trash-<pid>-<hex>` (cluster-cache.ts): made and removed by one process. */
const LEFTOVER = /^\.(build|trash)-(\d+)-[0-9a-f]+$/;
const USES = 'uses';
const LAST_USED = 'last-used';

/** Holding a use keeps the entry from being removed; release when the copy is made. */
export interface EntryUse {
  release(): void;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** `<entry>.<host>.<pid>.<hex>` in uses/: which entry is being used, and by whom. */
function useName(entry: string): string {
  return `${entry}.${os.hostname().replaceAll('.', '_')}.${process.pid}.${randomBytes(4).toString('hex')}`;
}

function liveUse(file: string, name: string, now: number): boolean {
  const [, host, pid] = name.split('.');
  if (host === os.hostname().replaceAll('.', '_')) return pidAlive(Number(pid));
  const stats = statSync(file, { throwIfNoEntry: false });
  return stats !== undefined && now - stats.mtimeMs < FOREIGN_USE_MS;
}

/** The entries some live devup is using now; markers of dead processes are removed on the way. */
function entriesInUse(root: string, now: number): Set<string> {
  const dir = path.join(root, USES);
  const used = new Set<string>();
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return used;
  }
  for (const name of names) {
    const file = path.join(dir, name);
    if (liveUse(file, name, now)) used.add(name.split('.')[0] as string);
    else rmSync(file, { force: true });
  }
  return used;
}

/** When the entry was last used: its last-used file, else when it was made (its directory). */
function lastUsedMs(entryDir: string): number | undefined {
  const stats =
    statSync(path.join(entryDir, LAST_USED), { throwIfNoEntry: false }) ??
    statSync(entryDir, { throwIfNoEntry: false });
  return stats?.mtimeMs;
}

/** Moved aside first (atomic), then removed: a reader never sees half an entry. */
function removeEntry(root: string, name: string): void {
  const trash = path.join(root, `.trash-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    renameSync(path.join(root, name), trash);
  } catch {
    return;
  }
  rmSync(trash, { recursive: true, force: true });
}

/**
 * Removes, under the cache's lock, every entry but `keep` that no live devup is using and that
 * was unused for `unusedMs`, and what dead processes left. Returns the names removed.
 */
function pruneUnlocked(root: string, keep: string, now: number, unusedMs: number): string[] {
  const inUse = entriesInUse(root, now);
  const removed: string[] = [];
  for (const name of readdirSync(root)) {
    const leftover = LEFTOVER.exec(name);
    if (leftover && !pidAlive(Number(leftover[2]))) {
      rmSync(path.join(root, name), { recursive: true, force: true });
      removed.push(name);
      continue;
    }
    if (!ENTRY.test(name) || name === keep || inUse.has(name)) continue;
    const last = lastUsedMs(path.join(root, name));
    if (last !== undefined && now - last < unusedMs) continue;
    removeEntry(root, name);
    removed.push(name);
  }
  return removed;
}

/**
 * Marks `entry` (a name in `root`) as in use by this process, then removes stale entries: both under
 * one lock, so a pruning devup never removes an entry between another's check and its copy. The
 * entry itself need not exist yet (the use covers building it).
 */
export async function useCacheEntry(
  root: string,
  entry: string,
  options: { now?: number; unusedMs?: number } = {},
): Promise<EntryUse & { removed: string[] }> {
  mkdirSync(path.join(root, USES), { recursive: true, mode: 0o700 });
  const marker = path.join(root, USES, useName(entry));
  const removed = await withProjectLock(root, 'cache', async () => {
    writeFileSync(marker, `${process.pid}\n`);
    return pruneUnlocked(root, entry, options.now ?? Date.now(), options.unusedMs ?? UNUSED_ENTRY_MS);
  });
  return { removed, release: () => rmSync(marker, { force: true }) };
}

/** Records that the entry was used now (its last-used file, outside the cluster's checked files). */
export function touchEntry(entryDir: string): void {
  const file = path.join(entryDir, LAST_USED);
  const now = new Date();
  try {
    utimesSync(file, now, now);
  } catch {
    writeFileSync(file, '');
  }
}
