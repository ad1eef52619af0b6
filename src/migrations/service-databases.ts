import type pg from 'pg';
import type { ResolvedConfig } from '../config/types.js';
import { type ConnectionInfo, withClient } from '../database/connection/connection.js';
import { createDatabaseUnlessExists } from '../database/create-database.js';
import { UserError } from '../errors.js';
import { quoteIdent } from '../lib/sql-quote.js';
import { applyDatabaseSetup, hasDatabaseSetup } from './seeds/database-setup.js';

/** `database.extensions` and `database.init`, and the root their relative paths start from. */
export type DatabaseSetupSettings = Pick<ResolvedConfig, 'databaseSetup' | 'root'>;

/** Every selected service's own database, migrations or not: its DATABASE_URL must point somewhere real. */
export function ownDatabases(
  config: Pick<ResolvedConfig, 'services'>,
  services: string[] | undefined,
): { name: string; service: string }[] {
  return config.services
    .filter((s) => !services || services.includes(s.name))
    .flatMap((s) => (s.database ? [{ name: s.database, service: s.name }] : []));
}

/**
 * Creates the databases that services asked for (`database: 'auth'`) when missing, or, when
 * `create` is off, says which one is missing and stops.
 */
export async function ensureDatabases(
  client: pg.Client,
  wanted: { name: string; service: string }[],
  options: { create: boolean; where: string },
): Promise<void> {
  const names = [...new Set(wanted.map((w) => w.name))];
  if (names.length === 0) return;
  const { rows } = await client.query<{ datname: string }>('select datname from pg_database where datname = any($1)', [
    names,
  ]);
  const existing = new Set(rows.map((r) => r.datname));
  for (const name of names) {
    if (existing.has(name)) continue;
    if (!options.create) {
      const service = wanted.find((w) => w.name === name)?.service;
      throw new UserError(
        `database "${name}" (services.${service}.database) does not exist on ${options.where}, and devup creates no database on an external server`,
        {
          hint: `Create it with a role that may (create database ${quoteIdent(name)} owner <the migration role>), or set database.createDatabases: true.`,
        },
      );
    }
    try {
      await createDatabaseUnlessExists(client, name);
    } catch (error) {
      throw new UserError(
        `cannot create the database "${name}" (a service's \`database\`): ${(error as Error).message}`,
        {
          hint: 'Create it yourself, or give the database user the CREATEDB privilege.',
          cause: error,
        },
      );
    }
  }
}

/**
 * `database.extensions` and `database.init` in the main database (on `client`): before the
 * services' databases are created, since an init file written for the Postgres image creates
 * them itself (`CREATE DATABASE auth; \\c auth`). `report` hears what was done, and the warnings.
 */
export async function setUpMainDatabase(
  config: DatabaseSetupSettings,
  admin: ConnectionInfo,
  client: pg.Client,
  report: (database: string, result: { done: string[]; warnings: string[] }) => void,
): Promise<void> {
  const setup = config.databaseSetup;
  if (!hasDatabaseSetup(setup)) return;
  report(admin.database, await applyDatabaseSetup(client, setup, config.root, admin));
}

/** `database.extensions` in every service database (created by then); init files ran in the main one. */
export async function setUpServiceDatabases(
  config: DatabaseSetupSettings,
  admin: ConnectionInfo,
  databases: string[],
  report: (database: string, result: { done: string[]; warnings: string[] }) => void,
): Promise<void> {
  const setup = { ...config.databaseSetup, init: [] };
  if (!hasDatabaseSetup(setup)) return;
  for (const database of databases) {
    report(database, await withClient(admin, (c) => applyDatabaseSetup(c, setup, config.root, admin), { database }));
  }
}
