import { createHash } from 'node:crypto';
import type { ResolvedConfig } from '../config/types.js';

/** The ports a checkout listens on: Postgres's and each service's that has one. */
export interface PortSet {
  database: number;
  services: Record<string, number>;
  /** Each infra entry's host ports, keyed `NAME/CONTAINER-PORT`; absent in records of a devup before infra. */
  infra?: Record<string, number>;
}

/** How far apart the port sets of two checkouts lie: auth 4001 in the first, 4101 in the second. */
export const PORT_STEP = 100;

/** Six hex digits of the checkout's root: short enough to read in `docker ps`, enough to tell checkouts apart. */
export function shortHash(root: string): string {
  return createHash('sha256').update(root).digest('hex').slice(0, 6);
}

/** The stem of a moved checkout's container and volume names: `shop-3f9a1c` → `shop-3f9a1c-postgres`. */
export function movedDockerName(project: string, root: string): string {
  return `${project}-${shortHash(root)}`;
}

/** The ports the config asks for. */
export function configuredPorts(
  config: Pick<ResolvedConfig, 'database' | 'services'> & { infra?: ResolvedConfig['infra'] },
): PortSet {
  const services: Record<string, number> = {};
  for (const service of config.services) if (service.port !== undefined) services[service.name] = service.port;
  const infra: Record<string, number> = {};
  for (const entry of config.infra ?? []) for (const p of entry.ports) infra[`${entry.name}/${p.container}`] = p.host;
  return { database: config.database.port, services, ...(Object.keys(infra).length > 0 ? { infra } : {}) };
}

function shiftAll(ports: Record<string, number>, offset: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, port] of Object.entries(ports)) out[name] = port + offset;
  return out;
}

export function shiftPorts(ports: PortSet, offset: number): PortSet {
  return {
    database: ports.database + offset,
    services: shiftAll(ports.services, offset),
    ...(ports.infra ? { infra: shiftAll(ports.infra, offset) } : {}),
  };
}

export function portList(ports: PortSet): number[] {
  return [ports.database, ...Object.values(ports.services), ...Object.values(ports.infra ?? {})];
}

function sameRecord(a: Record<string, number>, b: Record<string, number>): boolean {
  const names = Object.keys(a);
  return names.length === Object.keys(b).length && names.every((name) => a[name] === b[name]);
}

export function samePorts(a: PortSet, b: PortSet): boolean {
  return a.database === b.database && sameRecord(a.services, b.services) && sameRecord(a.infra ?? {}, b.infra ?? {});
}

/** Offsets to try, in order: the one recorded before first, then 100, 200, ... while every port stays valid. */
export function candidateOffsets(ports: PortSet, preferred: number | undefined): number[] {
  const highest = Math.max(...portList(ports));
  const offsets: number[] = [];
  if (preferred !== undefined && preferred > 0 && highest + preferred <= 65_535) offsets.push(preferred);
  for (let offset = PORT_STEP; highest + offset <= 65_535; offset += PORT_STEP) {
    if (offset !== preferred) offsets.push(offset);
  }
  return offsets;
}

/**
 * The config with this checkout's ports and Docker names in place, so engines, services, readiness
 * probes and `PORT` all see the same values. A readiness URL or TCP check on the service's own
 * configured port follows it; any other address is left as written.
 */
export function applyPorts<C extends Pick<ResolvedConfig, 'database' | 'services' | 'infra'>>(
  config: C,
  ports: PortSet,
  dockerName: string | undefined,
): C {
  const services = config.services.map((service) => {
    const moved = service.port === undefined ? undefined : ports.services[service.name];
    if (service.port === undefined || moved === undefined || moved === service.port) return service;
    const from = service.port;
    let ready = service.ready;
    if (ready.kind === 'tcp' && ready.port === from) ready = { kind: 'tcp', port: moved };
    if (ready.kind === 'http') {
      const url = new URL(ready.url);
      if (url.port === String(from)) {
        url.port = String(moved);
        ready = { kind: 'http', url: url.href };
      }
    }
    return { ...service, port: moved, ready };
  });
  const infra = config.infra.map((entry) => ({
    ...entry,
    ports: entry.ports.map((p) => ({ ...p, host: ports.infra?.[`${entry.name}/${p.container}`] ?? p.host })),
  }));
  return {
    ...config,
    database: { ...config.database, port: ports.database, ...(dockerName === undefined ? {} : { dockerName }) },
    infra,
    services,
  };
}
