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

/** The registry as read: the entries that can be used, and what was wrong with the file, if anything. */
export interface RegistryRead {
  registry: Registry;
  /** "not JSON", "checkouts is not an object", "2 entries of the wrong shape"; undefined when whole. */
  damage: string | undefined;
  /** The file's text when it was damaged, for the backup and for rebuilding what it named. */
  text: string | undefined;
}

/** `$DEVUP_STATE_HOME`, else `$XDG_STATE_HOME/devup`, else `~/.local/state/devup`. */
export function registryDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DEVUP_STATE_HOME) return path.resolve(env.DEVUP_STATE_HOME);
  return path.join(env.XDG_STATE_HOME || path.join(os.homedir(), '.local', 'state'), 'devup');
}

export function registryFile(dir: string): string {
  return path.join(dir, 'checkouts.json');
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isPort = (value: unknown): value is number => Number.isInteger(value) && (value as number) > 0;

export function isPortSet(value: unknown): value is PortSet {
  return (
    isObject(value) && isPort(value.database) && isObject(value.services) && Object.values(value.services).every(isPort)
  );
}

// Written out rather than with zod: the warm path reads this file on every run, and zod's chunk
// loads only when a config must be validated (src/config/load.ts). Six fields, checked whole.
export function isCheckoutEntry(value: unknown): value is CheckoutEntry {
  return (
    isObject(value) &&
    typeof value.project === 'string' &&
    typeof value.configPath === 'string' &&
    typeof value.stateDir === 'string' &&
    typeof value.first === 'boolean' &&
    isPortSet(value.ports) &&
    typeof value.dockerName === 'string' &&
    typeof value.dataDir === 'string'
  );
}

/** The entries of a parsed file that have the right shape, and how many did not. */
export function usableEntries(parsed: unknown): { checkouts: Record<string, CheckoutEntry>; damage?: string } {
  if (!isObject(parsed)) return { checkouts: {}, damage: 'not an object' };
  if (parsed.version !== 1) return { checkouts: {}, damage: `version ${JSON.stringify(parsed.version)}, not 1` };
  if (!isObject(parsed.checkouts)) return { checkouts: {}, damage: '"checkouts" is not an object' };
  const checkouts: Record<string, CheckoutEntry> = {};
  let wrong = 0;
  for (const [root, entry] of Object.entries(parsed.checkouts)) {
    if (path.isAbsolute(root) && isCheckoutEntry(entry)) checkouts[root] = entry;
    else wrong++;
  }
  return wrong === 0
    ? { checkouts }
    : { checkouts, damage: `${wrong} ${wrong === 1 ? 'entry' : 'entries'} of the wrong shape` };
}

/** Reads the registry without ever failing: a missing file is an empty list, a damaged one its usable entries. */
export function readRegistryFile(dir: string): RegistryRead {
  let text: string;
  try {
    text = readFileSync(registryFile(dir), 'utf8');
  } catch {
    // Missing or unreadable: a new one (it is rebuilt as checkouts run).
    return { registry: { version: 1, checkouts: {} }, damage: undefined, text: undefined };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { registry: { version: 1, checkouts: {} }, damage: 'not JSON (truncated?)', text };
  }
  const { checkouts, damage } = usableEntries(parsed);
  return { registry: { version: 1, checkouts }, damage, text: damage === undefined ? undefined : text };
}

export function readRegistry(dir: string): Registry {
  return readRegistryFile(dir).registry;
}

/**
 * Reads, changes and writes the registry while holding its lock, so two devups never lose each
 * other's entry. A damaged file is backed up and rebuilt first (where its checkouts' own
 * `.devup/checkout.json` tell what it held), and `warn` says so in one line.
 */
export async function updateRegistry<T>(
  dir: string,
  change: (registry: Registry) => T | Promise<T>,
  warn: (message: string) => void = (message) => process.stderr.write(`${message}\n`),
): Promise<T> {
  return withProjectLock(dir, 'checkouts', async () => {
    const read = readRegistryFile(dir);
    if (read.damage !== undefined) {
      const { repairRegistry } = await import('./registry-repair.js');
      warn(repairRegistry(dir, read));
    }
    const result = await change(read.registry);
    writeJsonAtomic(registryFile(dir), read.registry);
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
