import { readFileSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { DEVUP_SCHEMA } from '../../config/schema-template.js';
import type { DatabaseSetup } from '../../config/types.js';
import { type ConnectionInfo, isPgError } from '../../database/connection/connection.js';
import { UserError } from '../../errors.js';
import { quoteIdent, quoteLiteral } from '../../lib/sql-quote.js';
import { withAdvisoryLock } from '../lock.js';
import { checksumSql, normaliseSql } from '../sql/checksum.js';
import { describePgError } from '../sql/error-frame.js';
import { runInitScript } from './init-script.js';
import { createRecordTableSql } from './recorded-sql-file.js';

/**
 * Where devup records which `database.init` files ran in a database: in a schema of its own, which
 * no migration names (a migration that drops and recreates `public` took the record with it).
 */
const INIT_TABLE = `${DEVUP_SCHEMA}.database_init`;
/** Where an older devup kept that record: read, and moved to INIT_TABLE. */
const LEGACY_INIT_TABLE = 'public.devup_database_init';
/** The advisory lock key for database-wide setup (not a schema name: it has a space). */
const SETUP_LOCK = 'devup database setup';

export function hasDatabaseSetup(setup: DatabaseSetup): boolean {
  return setup.extensions.length > 0 || setup.init.length > 0;
}

interface SetupState {
  missingExtensions: DatabaseSetup['extensions'];
  /** Init files not recorded in this database yet. */
  pendingInit: string[];
  /** Init files that ran here, but whose contents changed since. */
  changedInit: string[];
  /** The record is still where an older devup kept it (in public). */
  legacyRecord: boolean;
}

/** What is missing, in one round trip (two when init files are configured and recorded before). */
async function readSetupState(client: pg.Client, setup: DatabaseSetup, root: string): Promise<SetupState> {
  const { rows } = await client.query<{ present: string[]; recorded: boolean; legacy: boolean }>(
    `select array(select extname::text from pg_extension where extname = any($1)) as present,
            to_regclass(${quoteLiteral(INIT_TABLE)}) is not null as recorded,
            to_regclass(${quoteLiteral(LEGACY_INIT_TABLE)}) is not null as legacy`,
    [setup.extensions.map((e) => e.name)],
  );
  const present = new Set(rows[0]?.present ?? []);
  const legacyRecord = rows[0]?.recorded !== true && rows[0]?.legacy === true;
  const table = rows[0]?.recorded ? INIT_TABLE : legacyRecord ? LEGACY_INIT_TABLE : undefined;
  let done = new Map<string, string>();
  if (setup.init.length > 0 && table) {
    const result = await client.query<{ file: string; checksum: string }>(`select file, checksum from ${table}`);
    done = new Map(result.rows.map((r) => [r.file, r.checksum]));
  }
  const recorded = (file: string) => done.get(path.relative(root, file));
  return {
    missingExtensions: setup.extensions.filter((e) => !present.has(e.name)),
    pendingInit: setup.init.filter((file) => recorded(file) === undefined),
    changedInit: setup.init.filter((file) => {
      const checksum = recorded(file);
      return checksum !== undefined && checksum !== checksumSql(readFileSync(file, 'utf8'));
    }),
    legacyRecord,
  };
}

/** The record table in devup's schema, made once. */
async function createInitRecord(client: pg.Client): Promise<void> {
  await client.query(`create schema if not exists ${quoteIdent(DEVUP_SCHEMA)}`);
  await client.query(createRecordTableSql(INIT_TABLE));
}

/** An older devup's record in public, moved to devup's schema in one transaction. */
async function moveLegacyRecord(client: pg.Client): Promise<void> {
  await client.query('begin');
  try {
    await createInitRecord(client);
    await client.query(
      `insert into ${INIT_TABLE} (file, checksum, applied_at) select file, checksum, applied_at from ${LEGACY_INIT_TABLE} on conflict (file) do nothing`,
    );
    await client.query(`drop table ${LEGACY_INIT_TABLE}`);
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  }
}

async function createExtension(client: pg.Client, extension: { name: string; schema: string }): Promise<void> {
  try {
    await client.query(`create schema if not exists ${quoteIdent(extension.schema)}`);
    await client.query(
      `create extension if not exists ${quoteIdent(extension.name)} schema ${quoteIdent(extension.schema)}`,
    );
  } catch (error) {
    const code = isPgError(error) ? error.code : undefined;
    const hint =
      code === '42501'
        ? `The database user may not create "${extension.name}": create it once as a superuser, or have an administrator allow it.`
        : code === '0A000' || code === '58P01'
          ? `The server has no "${extension.name}" extension: install its package on the server, or check the name.`
          : 'Check the name in database.extensions.';
    throw new UserError(`cannot create the extension "${extension.name}" (database.extensions)`, {
      details: isPgError(error) ? describePgError(error) : [String(error)],
      hint,
      cause: error,
    });
  }
}

async function runInitFile(client: pg.Client, admin: ConnectionInfo, file: string, root: string): Promise<void> {
  const name = path.relative(root, file);
  const text = normaliseSql(readFileSync(file, 'utf8'));
  await createInitRecord(client);
  const record = `insert into ${INIT_TABLE} (file, checksum) values (${quoteLiteral(name)}, ${quoteLiteral(checksumSql(text))})`;
  await runInitScript(client, admin, { path: file, name, text }, record);
}

/**
 * `database.extensions` for the database `client` is connected to, and, in the main database
 * (`setup.init` given), the `database.init` files, which run once per cluster there, as the
 * Postgres image runs its init scripts (a `\c DB` in one moves on to DB). Done before any
 * migration, under a lock so that two devups (or tenants) never race on them. Returns what it
 * did, one line each. `admin` reaches the other databases an init file connects to.
 */
export async function applyDatabaseSetup(
  client: pg.Client,
  setup: DatabaseSetup,
  root: string,
  admin: ConnectionInfo,
): Promise<{ done: string[]; warnings: string[] }> {
  if (!hasDatabaseSetup(setup)) return { done: [], warnings: [] };
  const first = await readSetupState(client, setup, root);
  // An init file runs once per cluster: an edit reaches a new one (and `devup reset`), not this one.
  const warnings = first.changedInit.map(
    (file) =>
      `database.init file ${path.relative(root, file)} changed since it ran on this server; it runs once (\`devup reset\` runs it again)`,
  );
  if (first.missingExtensions.length === 0 && first.pendingInit.length === 0 && !first.legacyRecord) {
    return { done: [], warnings };
  }
  const done = await withAdvisoryLock(client, SETUP_LOCK, async () => {
    // Another devup may have done it while this one waited.
    const state = await readSetupState(client, setup, root);
    if (state.legacyRecord) await moveLegacyRecord(client);
    const done: string[] = [];
    for (const extension of state.missingExtensions) {
      await createExtension(client, extension);
      done.push(`extension ${extension.name} (in ${extension.schema})`);
    }
    for (const file of state.pendingInit) {
      await runInitFile(client, admin, file, root);
      done.push(`init ${path.relative(root, file)}`);
    }
    return done;
  });
  return { done, warnings };
}
