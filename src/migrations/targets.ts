import path from 'node:path';
import type pg from 'pg';
import { MIGRATIONS_DEFAULTS } from '../config/defaults.js';
import { checkSchemaTemplate, IDENTIFIER, renderSchemaName } from '../config/schema-template.js';
import type { ServiceSettings, TargetSettings, TenantSource } from '../config/types.js';
import { UserError } from '../errors.js';
import type { Migration } from './migration.js';
import { ChecksumCache } from './sql/checksum-cache.js';

export interface TargetBase {
  service: string;
  tenant: string;
  schema: string;
  /** The service's own database, or undefined for the project's main database. */
  database: string | undefined;
}

/**
 * A target as people read it: its schema when the schema names its service (`auth_acme`), else
 * the service with the schema and its own database: `ingestion (public)`, `ingestion (public,
 * database ingest)`. A bare `public` says neither whose it is nor where.
 */
export function targetLabel(target: TargetBase): string {
  const service = target.service.replaceAll('-', '_');
  if (target.schema.includes(service) || target.schema.includes(target.service)) return target.schema;
  return `${target.service} (${target.schema}${target.database ? `, database ${target.database}` : ''})`;
}

export interface ServiceTargets {
  service: ServiceSettings;
  /** Parsed once per service; every tenant runs the same files. */
  migrations: Migration[] | undefined;
  /** The contexts this run runs (`migrations.context` or `--context`). */
  contexts: readonly string[];
  /** `migrations.bootstrap: 'schema'`: the snapshot a target with no history is built from. */
  bootstrap: string | undefined;
  targets: TargetBase[];
}

/** The first column of one result; pg answers an array for a string of several statements. */
function tenantNames(serviceName: string, result: pg.QueryResult | pg.QueryResult[]): string[] {
  const key = `services.${serviceName}.migrations.tenants.query`;
  if (Array.isArray(result)) {
    throw new UserError(`${key} runs ${result.length} statements: it must be one query`, {
      hint: 'Return every tenant from one select (union all joins two lists).',
    });
  }
  const column = result.fields[0]?.name;
  if (column === undefined) throw new UserError(`${key} returns no column: it must select tenant names`);
  const values = result.rows.map((row) => (row as Record<string, unknown>)[column]);
  const nullRow = values.findIndex((value) => value === null || value === undefined);
  if (nullRow >= 0) {
    throw new UserError(`${key} returned NULL in row ${nullRow + 1}`, {
      hint: 'Every row names a tenant: filter out NULLs in the query (where name is not null).',
    });
  }
  return values.map(String);
}

async function resolveTenants(
  service: ServiceSettings,
  source: TenantSource,
  query: (sql: string) => Promise<pg.QueryResult | pg.QueryResult[]>,
): Promise<string[]> {
  if (source.kind === 'list') return source.tenants;
  let tenants: string[];
  if (source.kind === 'query') {
    try {
      tenants = tenantNames(service.name, await query(source.sql));
    } catch (error) {
      if (error instanceof UserError) throw error;
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
  const invalid = tenants.filter((t) => !IDENTIFIER.test(t));
  if (invalid.length > 0) {
    throw new UserError(
      `services.${service.name}.migrations.tenants returned invalid tenant names: ${invalid.join(', ')}`,
      {
        hint: 'Tenant names become part of schema names: lower-case letters, digits and _.',
      },
    );
  }
  // The same rules as a static list: Postgres would truncate a long name, and two tenants would share a schema.
  const twice = tenants.filter((t, i) => tenants.indexOf(t) !== i);
  const problems = [
    ...checkSchemaTemplate(service.migrations?.schemaTemplate ?? MIGRATIONS_DEFAULTS.schema, service.name, tenants),
    ...[...new Set(twice)].map((t) => `"${t}" is returned twice`),
  ];
  if (problems.length > 0) {
    throw new UserError(`services.${service.name}.migrations.tenants returned tenants devup cannot migrate:`, {
      details: problems.map((p) => `  ${p}`),
      hint: 'Fix the tenant query or command (or services.*.migrations.schema) so each tenant gets a schema name of its own.',
    });
  }
  return tenants;
}

/** Two services rendering one schema would share its history table (and its reset). */
function checkSchemasUnique(services: ServiceTargets[]): void {
  const owners = new Map<string, string>();
  for (const { service, targets } of services) {
    for (const target of targets) {
      const key = `${target.database ?? ''}.${target.schema}`;
      const other = owners.get(key);
      if (other !== undefined && other !== service.name) {
        throw new UserError(
          `services.${service.name} and services.${other} both migrate schema "${target.schema}" (tenant "${target.tenant}")`,
          { hint: 'Give each service its own schema: put {service} in services.*.migrations.schema.' },
        );
      }
      owners.set(key, service.name);
    }
  }
}

/**
 * Every (service, tenant) pair with migrations, in config order, filtered by --service and
 * --tenant. SQL files are read here once per service.
 */
export async function collectTargets(
  config: TargetSettings,
  options: {
    services?: string[] | undefined;
    tenant?: string | undefined;
    query: (sql: string) => Promise<pg.QueryResult | pg.QueryResult[]>;
    /** Write what was read to the checksum cache in .devup/ (the migration step; never a read-only command). */
    recordChecksums?: boolean | undefined;
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
  const checksums = new ChecksumCache(config.stateDir);
  for (const service of config.services) {
    const settings = service.migrations;
    if (!settings) continue;
    if (options.services && !options.services.includes(service.name)) continue;
    let tenants = await resolveTenants(service, settings.tenants, options.query);
    if (options.tenant !== undefined) tenants = tenants.filter((t) => t === options.tenant);
    const migrations = settings.kind === 'sql' ? checksums.discover(settings.dir) : undefined;
    result.push({
      service,
      migrations,
      contexts: config.migrations.contexts,
      bootstrap:
        settings.kind === 'sql' && settings.bootstrap === 'schema'
          ? path.join(config.schema.dir, `${service.name}.sql`)
          : undefined,
      targets: tenants.map((tenant) => ({
        service: service.name,
        tenant,
        schema: renderSchemaName(settings.schemaTemplate, service.name, tenant),
        database: service.database,
      })),
    });
  }
  checkSchemasUnique(result);
  // Read-only commands (status, dry runs) use the cache but write nothing.
  if (options.recordChecksums) checksums.save();
  if (options.tenant !== undefined && result.every((r) => r.targets.length === 0)) {
    throw new UserError(`--tenant ${options.tenant}: no selected service has that tenant`);
  }
  return result;
}
