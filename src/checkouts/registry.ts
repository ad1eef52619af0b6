import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeJsonAtomic } from '../lib/atomic-json.js';
import { withProjectLock } from '../project-lock.js';
import type { PortSet } from './checkout-ports.js';

/** One checkout of a project on this machine, as the machine-wide registry records it. */
export interface CheckoutEntry {
  project: string;
  configPath: string;
  /** Its `.devup` directory: engine.json, services.json. */
  stateDir: string;
  /** Holds the configured ports and names; one live checkout per project does. */
  first: boolean;
  ports: PortSet;
  /** Docker: the stem of its container and volume names. */
  dockerName: string;
  /** Embedded: its cluster directory. */
  dataDir: string;
}

export interface Registry {
  version: 1;
  /** By checkout root (the real path of the config's directory). */
  checkouts: Record<string, CheckoutEntry>;
}

/** `$DEVUP_STATE_HOME`, else `$XDG_STATE_HOME/devup`, else `~/.local/state/devup`. */
export function registryDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DEVUP_STATE_HOME) return path.resolve(env.DEVUP_STATE_HOME);
  return path.join(env.XDG_STATE_HOME || path.join(os.homedir(), '.local', 'state'), 'devup');
}

function registryFile(dir: string): string {
  return path.join(dir, 'checkouts.json');
}

export function readRegistry(dir: string): Registry {
  try {
    const parsed = JSON.parse(readFileSync(registryFile(dir), 'utf8')) as Registry;
    if (parsed?.version === 1 && typeof parsed.checkouts === 'object') return parsed;
  } catch {
    // Missing or unreadable: start a new one (it is rebuilt as checkouts run).
  }
  return { version: 1, checkouts: {} };
}

/** Reads, changes and writes the registry while holding its lock, so two devups never lose each other's entry. */
export async function updateRegistry<T>(dir: string, change: (registry: Registry) => T | Promise<T>): Promise<T> {
  return withProjectLock(dir, 'checkouts', async () => {
    const registry = readRegistry(dir);
    const result = await change(registry);
    writeJsonAtomic(registryFile(dir), registry);
    return result;
  });
}

/** The live checkout holding the project's configured ports: one whose directory is gone has let them go. */
export function firstCheckout(registry: Registry, project: string): string | undefined {
  return Object.entries(registry.checkouts).find(
    ([root, entry]) => entry.project === project && entry.first && existsSync(root),
  )?.[0];
}

export function sameEntry(a: CheckoutEntry | undefined, b: CheckoutEntry): boolean {
  return a !== undefined && JSON.stringify(a) === JSON.stringify(b);
}
