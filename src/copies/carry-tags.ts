import type pg from 'pg';
import { type ConnectionInfo, withClient } from '../database/connection/connection.js';
import type { MigrationTag } from '../migrations/tags/tag-store.js';
import { readTags, TAGS_TABLE, writeTag } from '../migrations/tags/tag-store.js';

/** The tags of every schema of one database, by schema. */
type DatabaseTags = Map<string, MigrationTag[]>;

async function schemasWithTags(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ nspname: string }>(
    `select n.nspname from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relname = $1 and c.relkind = 'r'`,
    [TAGS_TABLE],
  );
  return rows.map((r) => r.nspname);
}

/**
 * Read before a reset from the templates replaces the databases: a template is the state right
 * after the last rebuild, older than tags made since, and a tag names a migration the restored
 * database has too (the template path is taken only when the migrations are unchanged).
 */
export async function readProjectTags(admin: ConnectionInfo, databases: string[]): Promise<Map<string, DatabaseTags>> {
  const result = new Map<string, DatabaseTags>();
  for (const database of databases) {
    const tags: DatabaseTags = new Map();
    await withClient(
      admin,
      async (client) => {
        for (const schema of await schemasWithTags(client)) tags.set(schema, await readTags(client, schema));
      },
      { database },
    );
    if (tags.size > 0) result.set(database, tags);
  }
  return result;
}

/** Writes the tags read before the reset into the restored databases, where their schema is. */
export async function restoreProjectTags(admin: ConnectionInfo, saved: Map<string, DatabaseTags>): Promise<number> {
  let count = 0;
  for (const [database, bySchema] of saved) {
    await withClient(
      admin,
      async (client) => {
        const { rows } = await client.query<{ nspname: string }>('select nspname from pg_namespace');
        const present = new Set(rows.map((r) => r.nspname));
        for (const [schema, tags] of bySchema) {
          if (!present.has(schema)) continue;
          for (const tag of tags) {
            await writeTag(client, schema, tag, true);
            count++;
          }
        }
      },
      { database },
    );
  }
  return count;
}
