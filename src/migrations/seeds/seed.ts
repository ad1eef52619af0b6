import path from 'node:path';
import type pg from 'pg';
import type { ResolvedConfig, ServiceSettings } from '../../config/types.js';
import { type ConnectionInfo, isMissingDatabase, withClient } from '../../database/connection/connection.js';
import { connectionEnv } from '../../database/connection/connection-env.js';
import { quoteIdent, quoteLiteral } from '../../lib/sql-quote.js';
import { parseContexts, runsInContext } from '../sql/contexts.js';
import { createSchema } from '../sql/history.js';
import { substitutePlaceholders } from '../sql/placeholders.js';
import { readSqlFile } from '../sql/sql-file.js';
import type { TargetBase } from '../targets.js';
import { applyRecordedSqlFile, createRecordTableSql } from './recorded-sql-file.js';

/** The table devup records applied seed files in, in every target schema. */
export const SEEDS_TABLE = 'devup_seeds';

function seedTable(schema: string): string {
  return `${quoteIdent(schema)}.${SEEDS_TABLE}`;
}

/** The table comment that says a target was new and its seed data is not all in yet. */
const SEEDS_OWED = 'devup: seeds owed';

function createSeedTableSql(schema: string): string {
  return createRecordTableSql(seedTable(schema));
}

/**
 * Records, before any migration runs, that a new target is owed its seed data: if the run stops
 * after some migrations committed, the target is no longer new, but the next run still seeds it.
 */
export async function markSeedsOwed(admin: ConnectionInfo, target: TargetBase): Promise<void> {
  await withClient(
    admin,
    async (client) => {
      await createSchema(client, target.schema);
      await client.query(createSeedTableSql(target.schema));
      await client.query(`comment on table ${seedTable(target.schema)} is ${quoteLiteral(SEEDS_OWED)}`);
    },
    target.database ? { database: target.database } : {},
  );
}

/** The schemas of one database whose seed data is still owed (one query, whatever the number of targets). */
export async function schemasOwedSeeds(
  admin: ConnectionInfo,
  database: string | undefined,
  /** An open connection to that database (the warm path's), saving a connection per run. */
  open?: pg.Client,
): Promise<Set<string>> {
  const query = (client: pg.Client) =>
    client.query<{ nspname: string }>(
      `select n.nspname from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where c.relname = 'devup_seeds' and c.relkind = 'r' and obj_description(c.oid, 'pg_class') = $1`,
      [SEEDS_OWED],
    );
  if (open) return new Set((await query(open)).rows.map((r) => r.nspname));
  const { rows } = await withClient(admin, query, database ? { database } : {}).catch((error: unknown) => {
    if (isMissingDatabase(error)) return { rows: [] };
    throw error;
  });
  return new Set(rows.map((r) => r.nspname));
}

/** What applying seed data reads: the root (recorded file names) and the contexts. */
export type SeedRunSettings = Pick<ResolvedConfig, 'root' | 'migrations'>;

/**
 * Applies a service's seed data to a new target, then clears its "owed" mark: from then on the
 * target holds a developer's data, which seed files added later never touch.
 */
export async function seedTarget(
  config: SeedRunSettings,
  admin: ConnectionInfo,
  service: ServiceSettings,
  target: TargetBase,
): Promise<string[]> {
  const applied = await applySeeds(config, admin, service, target);
  await withClient(
    admin,
    async (client) => {
      const { rows } = await client.query<{ owed: string | null }>('select to_regclass($1)::text as owed', [
        seedTable(target.schema),
      ]);
      if (rows[0]?.owed) await client.query(`comment on table ${seedTable(target.schema)} is null`);
    },
    target.database ? { database: target.database } : {},
  );
  return applied;
}

/**
 * Applies a service's seed data to a target, once: each file is recorded in the target's
 * devup_seeds table so a normal restart never seeds twice.
 */
async function applySeeds(
  config: SeedRunSettings,
  admin: ConnectionInfo,
  service: ServiceSettings,
  target: TargetBase,
): Promise<string[]> {
  const seed = service.seed;
  if (!seed) return [];
  if (seed.kind === 'command') {
    const { runCommand } = await import('../../lib/run-command.js');
    await runCommand(seed.command, {
      cwd: service.cwd,
      what: `seed command of ${service.name} (${target.schema})`,
      env: {
        ...(process.env as Record<string, string>),
        ...connectionEnv(admin, service, [target]),
        DEVUP_TENANT: target.tenant,
        // A seed command chooses its data by context as a seed file does with -- devup:context.
        DEVUP_CONTEXT: config.migrations.contexts.join(','),
      },
    });
    return ['(command)'];
  }
  const { matchSeedFiles } = await import('./seed-files.js');
  const files = matchSeedFiles(service.cwd, seed.pattern);
  if (files.length === 0) return [];
  const applied: string[] = [];
  await withClient(
    admin,
    async (client) => {
      await client.query(createSeedTableSql(target.schema));
      const { rows } = await client.query<{ file: string }>(`select file from ${seedTable(target.schema)}`);
      const done = new Set(rows.map((r) => r.file));
      for (const file of files) {
        const name = path.relative(config.root, file);
        if (done.has(name)) continue;
        const text = readSqlFile(file);
        // Not recorded: a run in another context (or a reset) still applies it there.
        if (!runsInContext(parseContexts(file, text), config.migrations.contexts)) continue;
        await applyRecordedSqlFile(client, {
          schema: target.schema,
          table: seedTable(target.schema),
          file: { path: file, name, text, sql: substitutePlaceholders(text, target) },
          failure: {
            message: `seed file ${name} failed in ${target.schema}`,
            hint: 'Fix the seed file; it is applied again on the next run (nothing of it was kept).',
          },
        });
        applied.push(path.basename(file));
      }
    },
    target.database ? { database: target.database } : {},
  );
  return applied;
}
