import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import type { InfraKind } from '../../config/infra-presets.js';
import type { InfraInput } from '../../config/schema.js';
import type { ComposeModel } from './read-compose.js';
import { type ComposeService, healthcheckReady, namedVolumes, portMap } from './service-keys.js';

/** What `devup import compose` writes: the database settings, infra entries, and a stub per app service. */
export interface ImportedConfig {
  database: Record<string, unknown> | undefined;
  infra: Record<string, InfraInput>;
  services: Record<string, { dependsOn?: string[] }>;
  /** Every key (or value) not carried, `services.NAME.KEY: why`, for the user to see before writing. */
  notCarried: string[];
}

/** Keys devup carries over; any other key of a service is listed as not carried. */
const CARRIED = new Set([
  'image',
  'ports',
  'environment',
  'env_file',
  'command',
  'volumes',
  'healthcheck',
  'depends_on',
]);
/** Keys that mean nothing to devup's own way of doing it, with why (they are listed too, with the reason). */
const WHY: Record<string, string> = {
  build: 'devup runs services from their own command, not from an image it builds',
  container_name: 'devup names containers per project and checkout',
  restart: 'devup supervises what it starts',
  networks: 'infra publishes ports on 127.0.0.1; services reach it there',
  network_mode: 'infra publishes ports on 127.0.0.1',
  expose: 'only published ports are reachable from services on this machine',
};

const POSTGRES_IMAGE = /(^|\/)(postgres|postgis|pgvector|timescaledb(-ha)?)(:|@|$)/;
const PRESET_IMAGES: [RegExp, InfraKind][] = [
  [/(^|\/)redis(:|@|$)/, 'redis'],
  [/(^|\/)rabbitmq(:|@|$)/, 'rabbitmq'],
  [/(^|\/)minio\/minio(:|@|$)/, 'minio'],
  [/(^|\/)qdrant\/qdrant(:|@|$)/, 'qdrant'],
  [/(^|\/)mailpit(:|@|$)/, 'mailpit'],
];

/** Maps a compose project to devup's config: Postgres to `database`, images to `infra`, built services to stubs. */
export function composeToConfig(model: ComposeModel, env: NodeJS.ProcessEnv = process.env): ImportedConfig {
  const dir = path.dirname(model.files[0] as string);
  const out: ImportedConfig = { database: undefined, infra: {}, services: {}, notCarried: [] };
  const names = new Map(Object.keys(model.services).map((name) => [name, devupName(name)]));
  const postgres = Object.entries(model.services).find(
    ([, s]) => typeof s.image === 'string' && POSTGRES_IMAGE.test(s.image),
  )?.[0];
  for (const [name, raw] of Object.entries(model.services)) {
    const service = raw as ComposeService;
    const at = `services.${name}`;
    const devup = names.get(name) as string;
    for (const key of Object.keys(service)) {
      if (!CARRIED.has(key)) out.notCarried.push(`${at}.${key}: ${WHY[key] ?? 'devup has no equivalent'}`);
    }
    const deps = dependsOn(service, at, out.notCarried);
    const toInfra = deps
      .filter((d) => d !== postgres && !isApp(model.services[d] as ComposeService))
      .map((d) => names.get(d) ?? d);
    if (deps.includes(postgres ?? '\0') && name !== postgres && !isApp(service)) {
      out.notCarried.push(`${at}.depends_on.${postgres}: infra starts beside Postgres, not after it`);
    }
    if (name === postgres) {
      out.database = databaseOf(service, at, dir, out.notCarried);
    } else if (isApp(service)) {
      out.services[devup] = toInfra.length > 0 ? { dependsOn: toInfra } : {};
    } else {
      out.infra[devup] = infraOf(service, at, dir, env, out.notCarried, toInfra);
    }
  }
  if (Object.keys(out.services).length === 0) out.services.app = {};
  return out;
}

function isApp(service: ComposeService | undefined): boolean {
  return service?.build !== undefined || typeof service?.image !== 'string';
}

/** Compose allows upper case and dots; devup names are lower-case letters, digits, - and _. */
function devupName(name: string): string {
  const clean = name
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[^a-z]+/, '');
  return clean || 'infra';
}

function dependsOn(service: ComposeService, at: string, notCarried: string[]): string[] {
  const deps = service.depends_on;
  if (Array.isArray(deps)) return deps.map(String);
  if (!deps || typeof deps !== 'object') return [];
  for (const [dep, spec] of Object.entries(deps)) {
    if ((spec as { condition?: string })?.condition === 'service_completed_successfully') {
      notCarried.push(
        `${at}.depends_on.${dep}.condition: service_completed_successfully (devup waits until ready, not until it exits)`,
      );
    }
  }
  return Object.keys(deps);
}

function environment(service: ComposeService, dir: string, env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  const files =
    service.env_file === undefined ? [] : Array.isArray(service.env_file) ? service.env_file : [service.env_file];
  for (const file of files) {
    const full = path.resolve(dir, typeof file === 'string' ? file : String((file as { path?: string }).path));
    if (existsSync(full)) Object.assign(out, parseDotenv(readFileSync(full)));
  }
  const given = service.environment;
  if (Array.isArray(given)) {
    for (const item of given.map(String)) {
      const eq = item.indexOf('=');
      const key = eq < 0 ? item : item.slice(0, eq);
      const value = eq < 0 ? env[item] : item.slice(eq + 1);
      if (value !== undefined) out[key] = value;
    }
  } else if (given && typeof given === 'object') {
    for (const [key, value] of Object.entries(given)) {
      const resolved = value === null || value === undefined ? env[key] : String(value);
      if (resolved !== undefined) out[key] = resolved;
    }
  }
  return out;
}

function infraOf(
  service: ComposeService,
  at: string,
  dir: string,
  env: NodeJS.ProcessEnv,
  notCarried: string[],
  deps: string[],
): InfraInput {
  const image = service.image as string;
  const kind = PRESET_IMAGES.find(([pattern]) => pattern.test(image))?.[1];
  const entry: InfraInput = kind ? { kind, image } : { image };
  const ports = portMap(service.ports, at, notCarried);
  if (Object.keys(ports).length > 0) entry.ports = ports;
  const vars = environment(service, dir, env);
  if (Object.keys(vars).length > 0) entry.env = vars;
  if (service.command !== undefined)
    entry.command = Array.isArray(service.command) ? service.command.map(String) : String(service.command);
  const volumes = namedVolumes(service.volumes, at, notCarried);
  if (Object.keys(volumes).length > 0) entry.volumes = volumes;
  else if (kind && Array.isArray(service.volumes) && service.volumes.length === 0) entry.data = 'ephemeral';
  const ready = healthcheckReady(service.healthcheck, at, notCarried);
  if (ready) entry.ready = ready;
  else if (!kind && Object.keys(ports).length === 0) {
    entry.ready = { log: '.' };
    notCarried.push(
      `${at}: no port and no healthcheck; it counts as ready at its first log line (set infra.${at.slice(9)}.ready)`,
    );
  }
  if (deps.length > 0) entry.dependsOn = deps;
  return entry;
}

/** The postgres service: image, user, password, database, port and the init scripts it mounts. */
function databaseOf(service: ComposeService, at: string, dir: string, notCarried: string[]): Record<string, unknown> {
  const vars = environment(service, dir, {});
  const database: Record<string, unknown> = { image: service.image };
  if (vars.POSTGRES_USER) database.user = vars.POSTGRES_USER;
  if (vars.POSTGRES_PASSWORD) database.password = vars.POSTGRES_PASSWORD;
  if (vars.POSTGRES_DB) database.database = vars.POSTGRES_DB;
  const ports = portMap(service.ports, at, []);
  if (ports['5432'] !== undefined) database.port = ports['5432'];
  const init: string[] = [];
  for (const volume of Array.isArray(service.volumes) ? service.volumes : []) {
    const [source, target] = typeof volume === 'string' ? volume.split(':') : [volume?.source, volume?.target];
    if (!source || !target?.startsWith('/docker-entrypoint-initdb.d')) continue;
    const full = path.resolve(dir, source);
    const files =
      existsSync(full) && statSync(full).isDirectory()
        ? readdirSync(full)
            .sort()
            .map((f) => path.join(full, f))
        : [full];
    for (const file of files) {
      if (file.endsWith('.sql')) init.push(path.relative(dir, file));
      else
        notCarried.push(
          `${at}.volumes ${path.relative(dir, file)}: only .sql init scripts are carried (database.init)`,
        );
    }
  }
  if (init.length > 0) database.init = init;
  notCarried.push(
    ...Object.keys(vars)
      .filter((k) => !/^POSTGRES_(USER|PASSWORD|DB)$/.test(k))
      .map((k) => `${at}.environment.${k}: devup configures its own Postgres`),
  );
  return database;
}
