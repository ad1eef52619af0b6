import { realpathSync } from 'node:fs';
import path from 'node:path';
import type { CheckoutPlacement, ResolvedConfig } from '../config/types.js';
import { writeJsonAtomic } from '../lib/atomic-json.js';
import { isPortFree, isPortInUse } from '../ports.js';
import {
  applyPorts,
  candidateOffsets,
  configuredPorts,
  movedDockerName,
  type PortSet,
  portList,
  samePorts,
  shiftPorts,
} from './checkout-ports.js';
import { type CheckoutRecord, RECORD_FILE, readCheckoutRecord } from './checkout-record.js';
import {
  type CheckoutEntry,
  firstCheckout,
  type Registry,
  readRegistry,
  readRegistryFile,
  registryDir,
  sameEntry,
  updateRegistry,
} from './registry.js';

/** Errors that mean "there is no writable home for the machine-wide list of checkouts". */
export const NO_REGISTRY = ['ENOENT', 'ENOTDIR', 'EACCES', 'EROFS', 'EPERM'];

export interface CheckoutHooks {
  /** One line when the machine-wide list was damaged and rebuilt. */
  warn?: (message: string) => void;
  /** What only --verbose shows. */
  debug?: (message: string) => void;
  /** Place the checkout as a run would, but write neither the list nor `.devup/checkout.json` (status). */
  readOnly?: boolean;
}

/** What places a checkout: where it is, the project's name and ports, and what they are taken from. */
export type CheckoutSettings = Pick<
  ResolvedConfig,
  'root' | 'stateDir' | 'configPath' | 'project' | 'ports' | 'database' | 'services' | 'infra'
>;

/**
 * Places this checkout beside the project's other checkouts on this machine. The first keeps the
 * configured ports and names; any other gets ports shifted by 100, 200, ... (free now, and held
 * by no other checkout) and container names of its own, recorded in `.devup/checkout.json` so
 * they stay put. The warm path reads two small files and writes nothing.
 */
export async function resolveCheckout<C extends CheckoutSettings>(
  config: C,
  env: NodeJS.ProcessEnv = process.env,
  hooks: CheckoutHooks = {},
): Promise<C & { checkout: CheckoutPlacement }> {
  const root = realpathSync(config.root);
  const dir = registryDir(env);
  const configured = configuredPorts(config);
  const { registry, damage } = readRegistryFile(dir);
  const record = readCheckoutRecord(config.stateDir);
  const stillMoved =
    config.ports === 'auto' &&
    record?.root === root &&
    record.project === config.project &&
    samePorts(record.configured, configured);
  let placed: { ports: PortSet; dockerName: string; firstRoot?: string } | undefined;
  if (stillMoved) {
    const firstRoot = firstCheckout(registry, config.project);
    placed = { ports: record.ports, dockerName: record.dockerName, ...(firstRoot === undefined ? {} : { firstRoot }) };
  } else if (config.ports === 'fixed' || firstCheckout(registry, config.project) === root) {
    placed = { ports: configured, dockerName: config.project };
  }
  const placedNow = placed === undefined;
  if (placed === undefined) placed = await place(config, root, dir, configured, record, hooks);
  const moved = placed.dockerName !== config.project;
  const entry: CheckoutEntry = {
    project: config.project,
    configPath: config.configPath,
    stateDir: config.stateDir,
    first: !moved && config.ports === 'auto',
    ports: placed.ports,
    dockerName: placed.dockerName,
    dataDir: config.database.dataDir,
  };
  if (!hooks.readOnly && (damage !== undefined || !sameEntry(registry.checkouts[root], entry))) {
    await recordEntry(dir, root, entry, hooks);
  }
  const resolved = moved ? applyPorts(config, placed.ports, placed.dockerName) : config;
  return {
    ...resolved,
    checkout: { root, moved, placedNow, ...(moved && placed.firstRoot ? { firstRoot: placed.firstRoot } : {}) },
  };
}

/**
 * Writes this checkout's entry. Where the list cannot be written (a read-only state home), the
 * placement already made stands: a moved checkout keeps the ports its own record gives it.
 */
async function recordEntry(dir: string, root: string, entry: CheckoutEntry, hooks: CheckoutHooks): Promise<void> {
  try {
    await updateRegistry(
      dir,
      (latest) => {
        latest.checkouts[root] = entry;
      },
      hooks.warn,
    );
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (!NO_REGISTRY.includes(code)) throw error;
    hooks.debug?.(`checkouts list not writable (${code}): this checkout's entry is not recorded`);
  }
}

/** The slow path, under the registry's lock: take the configured ports if no live checkout holds them, else choose others. */
async function place(
  config: Pick<CheckoutSettings, 'project' | 'configPath' | 'stateDir' | 'database'>,
  root: string,
  dir: string,
  configured: PortSet,
  record: CheckoutRecord | undefined,
  hooks: CheckoutHooks,
): Promise<{ ports: PortSet; dockerName: string; firstRoot?: string }> {
  // Read-only: the same decision on the list as it is, changes to it dropped.
  const withRegistry = <T>(change: (registry: Registry) => Promise<T>): Promise<T> =>
    hooks.readOnly ? change(readRegistry(dir)) : updateRegistry(dir, change, hooks.warn);
  return withRegistry(async (registry) => {
    const firstRoot = firstCheckout(registry, config.project);
    const movedBefore = record?.root === root;
    // A checkout that moved once stays moved: its data lives under its own names.
    if (firstRoot === root || (firstRoot === undefined && !movedBefore)) {
      registry.checkouts[root] = { ...entryStub(config), first: true, ports: configured, dockerName: config.project };
      return { ports: configured, dockerName: config.project };
    }
    // Stable across restarts: the offset recorded here, else the one the registry remembers for this checkout.
    const known = registry.checkouts[root];
    const preferred = movedBefore
      ? record?.offset
      : known && !known.first
        ? known.ports.database - configured.database
        : undefined;
    const offset = await chooseOffset(registry, root, configured, preferred, config.database.bind);
    const ports = shiftPorts(configured, offset);
    const dockerName = movedDockerName(config.project, root);
    registry.checkouts[root] = { ...entryStub(config), first: false, ports, dockerName };
    if (!hooks.readOnly)
      writeJsonAtomic(path.join(config.stateDir, RECORD_FILE), {
        root,
        project: config.project,
        configured,
        offset,
        ports,
        dockerName,
        configPath: config.configPath,
        dataDir: config.database.dataDir,
      } satisfies CheckoutRecord);
    return { ports, dockerName, ...(firstRoot === undefined ? {} : { firstRoot }) };
  });
}

function entryStub(config: Pick<CheckoutSettings, 'project' | 'configPath' | 'stateDir' | 'database'>) {
  return {
    project: config.project,
    configPath: config.configPath,
    stateDir: config.stateDir,
    dataDir: config.database.dataDir,
  };
}

/** The first offset whose ports no other checkout holds and nothing listens on right now. */
async function chooseOffset(
  registry: Registry,
  root: string,
  configured: PortSet,
  preferred: number | undefined,
  bind: string,
): Promise<number> {
  const held = new Set<number>();
  for (const [other, entry] of Object.entries(registry.checkouts)) {
    if (other !== root) for (const port of portList(entry.ports)) held.add(port);
  }
  for (const offset of candidateOffsets(configured, preferred)) {
    const ports = shiftPorts(configured, offset);
    if (portList(ports).some((port) => held.has(port))) continue;
    // This checkout's own ports from before: its own server may well be listening on them.
    if (offset === preferred) return offset;
    const databaseFree = await isPortFree(ports.database, bind === '0.0.0.0' ? '0.0.0.0' : '127.0.0.1');
    if (!databaseFree) continue;
    const others = [...Object.values(ports.services), ...Object.values(ports.infra ?? {})];
    const busy = await Promise.all(others.map((port) => isPortInUse(port)));
    if (!busy.some(Boolean)) return offset;
  }
  // Every shifted set is taken: keep the configured ports, and the port checks will say who holds them.
  return 0;
}

/** One line for people when a checkout was just given ports of its own. */
export function describePlacement(
  config: Pick<ResolvedConfig, 'checkout' | 'project' | 'root' | 'database' | 'services' | 'infra'>,
): string | undefined {
  const checkout = config.checkout;
  if (!checkout?.moved || !checkout.placedNow) return undefined;
  const ports = [
    `Postgres ${config.database.port}`,
    ...config.services.filter((s) => s.port !== undefined).map((s) => `${s.name} ${s.port}`),
    ...config.infra.flatMap((i) => i.ports.slice(0, 1).map((p) => `${i.name} ${p.host}`)),
  ];
  const holder = checkout.firstRoot ? ` (in ${checkout.firstRoot})` : '';
  return `Another checkout of ${config.project}${holder} holds its configured ports: this checkout uses ${ports.join(', ')}${ownServer(config)} (kept in .devup/checkout.json; \`ports: 'fixed'\` turns this off).`;
}

/** The server this checkout gets, named the way its engine knows it: a container, or a cluster directory. */
function ownServer(config: Pick<ResolvedConfig, 'root' | 'database'>): string {
  const container = `container ${config.database.dockerName}-postgres`;
  const cluster = `the embedded cluster in ${path.relative(config.root, config.database.dataDir) || '.'}`;
  switch (config.database.engine) {
    case 'docker':
      return `, and ${container}`;
    case 'embedded':
      return `, and ${cluster}`;
    case 'auto':
      return `, and ${container} with Docker (${cluster} without)`;
    default:
      return '';
  }
}
