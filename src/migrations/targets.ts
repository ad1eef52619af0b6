import type pg from 'pg';
import { renderSchemaName } from '../config/normalise.js';
import type { ResolvedConfig, ServiceSettings, TenantSource } from '../config/types.js';
import { UserError } from '../errors.js';
import { discoverMigrations } from './discover.js';
import type { Migration } from './migration.js';

export interface TargetBase {
  service: string;
  tenant: string;
  schema: string;
  /** The service's own database, or undefined for the project's main database. */
  database: string | undefined;
}

export interface ServiceTargets {
  service: ServiceSettings;
  /** Parsed once per service; every tenant runs the same files. */
  migrations: Migration[] | undefined;
  targets: TargetBase[];
}

async function resolveTenants(
  service: ServiceSettings,
  source: TenantSource,
  query: (sql: string) => Promise<pg.QueryResult>,
): Promise<string[]> {
  if (source.kind === 'list') return source.tenants;
  let tenants: string[];
  if (source.kind === 'query') {
    try {
      const { rows, fields } = await query(source.sql);
      const column = fields[0]?.name ?? '';
      tenants = rows.map((row) => String((row as Record<string, unknown>)[column]));
    } catch (error) {
      throw new UserError(`services.${service.name}.migrations.tenants.query failed: ${(error as Error).message}`, {
        hint: 'The query must return one column of tenant names and run before any migration.',
        cause: error,
      });
    }
  } else {
    const { runCommand } = await import('../lib/run-command.js');
    const output = await runCommand(source.command, {
      cwd: service.cwd,
      what: `services.${service.name}.migrations.tenants.command`,
    });
    tenants = output.split(/\s+/).filter(Boolean);
  }
  const invalid = tenants.filter((t) => !/^[a-z_][a-z0-9_]*$/.test(t));
  if (invalid.length > 0) {
    throw new UserError(
      `services.${service.name}.migrations.tenants returned invalid tenant names: ${invalid.join(', ')}`,
      {
        hint: 'Tenant names become part of schema names: lower-case letters, digits and _.',
      },
    );
  }
  return tenants;
}

/**
 * Every (service, tenant) pair with migrations, in config order, filtered by --service and
 * --tenant. SQL files are read here once per service.
 */
export async function collectTargets(
  config: ResolvedConfig,
  options: {
    services?: string[] | undefined;
    tenant?: string | undefined;
    query: (sql: string) => Promise<pg.QueryResult>;
  },
): Promise<ServiceTargets[]> {
  const known = config.services.filter((s) => s.migrations).map((s) => s.name);
  for (const name of options.services ?? []) {
    if (!config.services.some((s) => s.name === name)) {
      throw new UserError(`--service ${name}: no such service`, {
        hint: `Services: ${config.services.map((s) => s.name).join(', ')}`,
      });
    }
    if (!known.includes(name)) throw new UserError(`--service ${name}: has no migrations configured`);
  }
  const result: ServiceTargets[] = [];
  for (const service of config.services) {
    const settings = service.migrations;
    if (!settings) continue;
    if (options.services && !options.services.includes(service.name)) continue;
    let tenants = await resolveTenants(service, settings.tenants, options.query);
    if (options.tenant !== undefined) tenants = tenants.filter((t) => t === options.tenant);
    const migrations = settings.kind === 'sql' ? discoverMigrations(settings.dir) : undefined;
    result.push({
      service,
      migrations,
      targets: tenants.map((tenant) => ({
        service: service.name,
        tenant,
        schema: renderSchemaName(settings.schemaTemplate, service.name, tenant),
        database: service.database,
      })),
    });
  }
  if (options.tenant !== undefined && result.every((r) => r.targets.length === 0)) {
    throw new UserError(`--tenant ${options.tenant}: no selected service has that tenant`);
  }
  return result;
}
