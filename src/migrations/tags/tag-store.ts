import type pg from 'pg';
import { type ConnectionInfo, isMissingDatabase, withClient } from '../../database/connection/connection.js';
import { quoteIdent } from '../../lib/sql-quote.js';
import { createSchemaSql } from '../sql/history.js';
import type { TargetBase } from '../targets.js';

/**
 * The table devup keeps a target's tags in, beside its history in the target schema: a tag goes
 * wherever the schema goes (snapshots, reset templates, a copied database).
 */
export const TAGS_TABLE = 'devup_migration_tags';

/** A name for a point in a target's migrations, to roll back to. */
export interface MigrationTag {
  name: string;
  /** The migration the target was at (its id, Alembic's revision); null: nothing was applied. */
  at: string | null;
  /** The SQL engine's version of `at`; null for tools and for "nothing applied". */
  version: bigint | null;
  taggedAt: Date;
  taggedBy: string;
}

function tagsTable(schema: string): string {
  return `${quoteIdent(schema)}.${TAGS_TABLE}`;
}

function createTagsSql(schema: string): string {
  return `${createSchemaSql(schema)};
create table if not exists ${tagsTable(schema)} (
  name text primary key,
  migration text,
  version bigint,
  tagged_at timestamptz not null default now(),
  tagged_by text not null default current_user
)`;
}

interface RawTag {
  name: string;
  migration: string | null;
  version: string | null;
  tagged_at: Date;
  tagged_by: string;
}

/** The tags of one schema, oldest first; none when the table was never created. */
export async function readTags(client: pg.Client, schema: string): Promise<MigrationTag[]> {
  const { rows: exists } = await client.query<{ t: string | null }>('select to_regclass($1)::text as t', [
    tagsTable(schema),
  ]);
  if (!exists[0]?.t) return [];
  const { rows } = await client.query<RawTag>(
    `select name, migration, version::text as version, tagged_at, tagged_by from ${tagsTable(schema)} order by tagged_at, name`,
  );
  return rows.map((r) => ({
    name: r.name,
    at: r.migration,
    version: r.version === null ? null : BigInt(r.version),
    taggedAt: new Date(r.tagged_at),
    taggedBy: r.tagged_by,
  }));
}

/**
 * Records (or, when `move`, moves) a tag; false when it exists and `move` is not set. A tag
 * carried over a reset keeps when and by whom it was made.
 */
export async function writeTag(
  client: pg.Client,
  schema: string,
  tag: Pick<MigrationTag, 'name' | 'at' | 'version'> & Partial<Pick<MigrationTag, 'taggedAt' | 'taggedBy'>>,
  move: boolean,
): Promise<boolean> {
  await client.query(createTagsSql(schema));
  const { rowCount } = await client.query(
    `insert into ${tagsTable(schema)} (name, migration, version, tagged_at, tagged_by)
     values ($1, $2, $3, coalesce($4::timestamptz, now()), coalesce($5, current_user))
     on conflict (name) do ${move ? 'update set migration = excluded.migration, version = excluded.version, tagged_at = excluded.tagged_at, tagged_by = excluded.tagged_by' : 'nothing'}`,
    [
      tag.name,
      tag.at,
      tag.version === null ? null : tag.version.toString(),
      tag.taggedAt?.toISOString() ?? null,
      tag.taggedBy ?? null,
    ],
  );
  return (rowCount ?? 0) > 0;
}

/**
 * The tags of many targets: on `client` for the main database, one connection for each service
 * database (a database not created yet has no tags).
 */
export async function readTargetTags(
  admin: ConnectionInfo,
  client: pg.Client,
  targets: readonly TargetBase[],
): Promise<Map<TargetBase, MigrationTag[]>> {
  const result = new Map<TargetBase, MigrationTag[]>();
  const byDatabase = new Map<string | undefined, TargetBase[]>();
  for (const t of targets) byDatabase.set(t.database, [...(byDatabase.get(t.database) ?? []), t]);
  for (const [database, list] of byDatabase) {
    const read = async (c: pg.Client) => {
      for (const t of list) result.set(t, await readTags(c, t.schema));
    };
    if (database === undefined) await read(client);
    else {
      await withClient(admin, read, { database }).catch((error: unknown) => {
        if (!isMissingDatabase(error)) throw error;
      });
    }
  }
  return result;
}
