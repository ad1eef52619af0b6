import { connectionPlaceholders } from '../config/driver-urls.js';
import { readServiceEnvFile } from '../config/env-file.js';
import { expandEnv, type PlaceholderValues } from '../config/env-placeholders.js';
import { serviceBaseUrl, servicePlaceholders } from '../config/service-address.js';
import type { ServiceSettings } from '../config/types.js';
import type { SupervisorOptions } from './supervisor-types.js';

export interface ServiceEnvSources {
  /** devup's own environment (normally process.env). */
  inherited: NodeJS.ProcessEnv;
  /** devup's connection variables for this service: DATABASE_URL, PG*, DEVUP_*. */
  devup: Record<string, string>;
  /** The project's .env, already parsed. */
  dotenv: Record<string, string>;
  /** `{infra.NAME.PART}` values, keyed `infra.cache.url`. */
  infra?: Readonly<Record<string, string>>;
  /** Every service of the run: where the ones it depends on answer (DEVUP_URL_*), and `{service.NAME.url}`. */
  services?: readonly ServiceSettings[];
  /** Whether the combined log is coloured; children are told to keep (or drop) their colours to match. */
  color: boolean;
}

/**
 * The environment a service runs with. Later layers win:
 *   1. the project's .env
 *   2. devup's own environment (the shell wins over .env, as with every dotenv tool)
 *   3. colour hints: FORCE_COLOR=1 when the log is coloured; otherwise NO_COLOR=1 and no FORCE_COLOR
 *   4. devup's connection variables (DATABASE_URL, PG*, DEVUP_*): the database devup just migrated,
 *      whatever DATABASE_URL the shell or .env carry for other purposes; and DEVUP_URL_<SERVICE> for
 *      each service it depends on, so calls between services follow a checkout's ports
 *   5. the service's envFile
 *   6. the service's `env` in the config, placeholders expanded (`{url:asyncpg}`, `{service.auth.url}`,
 *      `{infra.cache.url}`, …)
 *   7. PORT = the service's `port`, when set (devup checks and probes that port, so the service must use it)
 * So a service's own settings (5-6) can still point it elsewhere on purpose, and the config beats files.
 */
export async function buildServiceEnv(
  service: ServiceSettings,
  sources: ServiceEnvSources,
): Promise<Record<string, string>> {
  const env: Record<string, string> = { ...sources.dotenv };
  for (const [key, value] of Object.entries(sources.inherited)) if (value !== undefined) env[key] = value;
  if (sources.color) {
    env.FORCE_COLOR = '1';
    delete env.NO_COLOR;
  } else {
    env.NO_COLOR = '1';
    delete env.FORCE_COLOR;
  }
  Object.assign(env, sources.devup);
  Object.assign(env, dependencyUrls(service, sources.services ?? []));
  Object.assign(env, await readServiceEnvFile(service));
  Object.assign(env, expandEnv(service.env, serviceEnvValues(service, sources)));
  if (service.port !== undefined) env.PORT = String(service.port);
  return env;
}

/** `DEVUP_URL_AUTH` for `auth`, `DEVUP_URL_BILLING_API` for `billing-api`. */
export function serviceUrlVariable(name: string): string {
  return `DEVUP_URL_${name.toUpperCase().replaceAll('-', '_')}`;
}

export { serviceBaseUrl };

/** The placeholders of a service's `env`: its database connection (the first tenant's), the other services, the infra. */
function serviceEnvValues(service: ServiceSettings, sources: ServiceEnvSources): PlaceholderValues {
  const { devup } = sources;
  return {
    ...sources.infra,
    ...servicePlaceholders(sources.services ?? []),
    ...connectionPlaceholders({
      url: devup.DATABASE_URL ?? '',
      host: devup.PGHOST ?? '',
      port: devup.PGPORT ?? '',
      user: devup.PGUSER ?? '',
      password: devup.PGPASSWORD ?? '',
      database: devup.PGDATABASE ?? '',
    }),
    schema: devup.DEVUP_SCHEMA ?? '',
    tenant: devup.DEVUP_TENANT ?? '',
    service: service.name,
  };
}

/** DEVUP_URL_<SERVICE> for every service `service` depends on that has an address. */
export function dependencyUrls(service: ServiceSettings, services: readonly ServiceSettings[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of service.dependsOn) {
    const dependency = services.find((other) => other.name === name);
    const url = dependency && serviceBaseUrl(dependency);
    if (url) env[serviceUrlVariable(name)] = url;
  }
  return env;
}

/** The environment the supervisor gives a service, over `inherited` (devup's own, or none to show it). */
export function supervisedServiceEnv(
  service: ServiceSettings,
  options: SupervisorOptions,
  inherited: NodeJS.ProcessEnv,
): Promise<Record<string, string>> {
  const { dotenv, services, color, infra } = options;
  return buildServiceEnv(service, {
    inherited,
    devup: options.env(service),
    dotenv,
    ...(infra ? { infra } : {}),
    services,
    color,
  });
}
