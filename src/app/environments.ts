import { existsSync } from 'node:fs';
import path from 'node:path';
import { listeningProcess } from '../checkouts/port-holder.js';
import { type CheckoutEntry, readRegistry, registryDir } from '../checkouts/registry.js';
import type { DatabaseSettings } from '../config/types.js';
import { DockerEngine } from '../database/docker/docker-engine.js';
import { findDockerEndpoint } from '../database/docker/socket.js';
import { EmbeddedEngine } from '../database/embedded/embedded-engine.js';
import type { ConcreteEngine, DatabaseEngine, Destroyable, EngineStatus } from '../database/engine.js';
import { readEngineState } from '../database/engine-state.js';
import { type DevSessionState, readDevSession } from '../services/dev-session.js';
import { findMovedCheckout, type MovedCheckout } from './moved-checkout.js';

/** One devup environment on this machine, as `devup ls` shows it. */
export interface Environment {
  project: string;
  checkout: string;
  /** false: the checkout's directory was deleted; `devup prune` removes what it left. */
  exists: boolean;
  /** Where a checkout that no longer exists at `checkout` is now: moved while its devup dev runs. */
  movedTo: string | null;
  /** Holds the project's configured ports and names. */
  first: boolean;
  /** Runs on ports and container names of its own, beside the project's first checkout. */
  moved: boolean;
  engine: ConcreteEngine | null;
  database: { port: number; state: EngineStatus['state'] | 'unknown' };
  dev: DevSessionState | null;
  disk: string | null;
  /** Its infra containers and their Docker state; null when the checkout has no infra. */
  infra: { name: string; state: string }[] | null;
}

/** Whose infra a registered checkout's is (the names its registry entry kept). */
function infraOwnerOf(root: string, entry: CheckoutEntry) {
  return { project: entry.project, checkout: root, stem: entry.dockerName };
}

/** Only a checkout that had infra when it last ran costs a Docker call (and loads the infra module). */
function hasInfra(entry: CheckoutEntry): boolean {
  return Object.keys(entry.ports.infra ?? {}).length > 0;
}

async function infraOf(root: string, entry: CheckoutEntry): Promise<Environment['infra']> {
  if (!hasInfra(entry)) return null;
  const { infraContainerStates } = await import('./infra-commands.js');
  return infraContainerStates(infraOwnerOf(root, entry)).catch(() => null);
}

export function registeredCheckouts(env: NodeJS.ProcessEnv = process.env): [string, CheckoutEntry][] {
  return Object.entries(readRegistry(registryDir(env)).checkouts).sort(
    ([a, x], [b, y]) => x.project.localeCompare(y.project) || a.localeCompare(b),
  );
}

/** Enough settings to find, inspect and destroy a checkout's server: names, port, data directory. */
function settingsOf(entry: CheckoutEntry): DatabaseSettings {
  return {
    engine: 'auto',
    image: '',
    statStatements: false,
    port: entry.ports.database,
    user: '',
    password: '',
    database: '',
    bind: '127.0.0.1',
    url: undefined,
    dataDir: entry.dataDir,
    readyTimeoutMs: 0,
    dockerName: entry.dockerName,
  };
}

/** The engines that may hold a checkout's data: the one it remembers, or (a deleted checkout) both. */
export function enginesOf(root: string, entry: CheckoutEntry): DatabaseEngine[] {
  const remembered = readEngineState(entry.stateDir)?.engine;
  const docker = new DockerEngine(entry.project, settingsOf(entry), undefined, root);
  const embedded = new EmbeddedEngine(settingsOf(entry));
  if (remembered === 'docker') return [docker];
  if (remembered === 'embedded') return [embedded];
  if (remembered === 'external') return [];
  return findDockerEndpoint() ? [docker, embedded] : [embedded];
}

export async function describeEnvironment(root: string, entry: CheckoutEntry): Promise<Environment> {
  const engine = readEngineState(entry.stateDir)?.engine;
  let state: Environment['database']['state'] = 'unknown';
  let disk: string | undefined;
  const [server] = engine === undefined ? [] : enginesOf(root, entry);
  if (server) {
    state = await server
      .status()
      .then((s) => s.state)
      .catch(() => 'unknown' as const);
    disk = await server
      .listDestroyable()
      .then(
        (items) =>
          items
            .map((i) => i.detail)
            .filter(Boolean)
            .join(', ') || undefined,
      )
      .catch(() => undefined);
  }
  const exists = existsSync(root);
  const movedTo = exists ? undefined : findMovedCheckout(root, entry);
  const stateDir = movedTo ? path.join(movedTo.root, path.relative(root, entry.stateDir)) : entry.stateDir;
  return {
    project: entry.project,
    checkout: root,
    exists,
    movedTo: movedTo?.root ?? null,
    first: entry.first,
    moved: entry.dockerName !== entry.project,
    engine: engine ?? null,
    database: { port: entry.ports.database, state },
    dev: readDevSession(stateDir) ?? null,
    disk: disk ?? null,
    infra: await infraOf(root, entry),
  };
}

/** What a deleted checkout left behind: containers, volumes, data directories, and a server still running. */
export interface Leftovers {
  root: string;
  entry: CheckoutEntry;
  items: Destroyable[];
  engines: DatabaseEngine[];
  /** An embedded server still running from the deleted directory (its files are gone, its port is not). */
  orphanServer: { pid: number; command: string } | undefined;
  /** Resources found but not this checkout's to remove (another checkout's by now), with why. */
  kept: string[];
  /** The checkout was moved, not deleted, and its `devup dev` runs there: nothing of it is removed. */
  moved: MovedCheckout | undefined;
  /** Removes the infra containers and volumes listed in `items`. */
  removeInfra: () => Promise<void>;
}

export async function findLeftovers(root: string, entry: CheckoutEntry): Promise<Leftovers> {
  // A live session holds its containers, volumes and server: none of them is left behind.
  const moved = findMovedCheckout(root, entry);
  if (moved) {
    return {
      root,
      entry,
      items: [],
      engines: [],
      orphanServer: undefined,
      kept: [],
      moved,
      removeInfra: async () => {},
    };
  }
  const items: Destroyable[] = [];
  const engines: DatabaseEngine[] = [];
  const kept: string[] = [];
  for (const engine of enginesOf(root, entry)) {
    try {
      const found = await engine.listDestroyable();
      if (found.length > 0) engines.push(engine);
      items.push(...found);
    } catch (error) {
      kept.push((error as Error).message);
    }
  }
  let removeInfra = async () => {};
  if (hasInfra(entry)) {
    const { infraDestroyablesOf } = await import('./infra-commands.js');
    const infra = await infraDestroyablesOf(infraOwnerOf(root, entry));
    items.push(...infra.items);
    removeInfra = infra.remove;
  }
  const listener = listeningProcess(entry.ports.database);
  const orphanServer =
    listener && /postgres/.test(listener.command) && listener.args.includes(entry.dataDir) ? listener : undefined;
  return { root, entry, items, engines, orphanServer, kept, moved, removeInfra };
}
