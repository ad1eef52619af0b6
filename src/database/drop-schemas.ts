import { quoteIdent } from '../migrations/history.js';
import { type ConnectionInfo, withClient } from './connection.js';

/** Drops exactly the named schemas (and what they hold); returns those that existed. */
export async function dropSchemas(
  admin: ConnectionInfo,
  database: string | undefined,
  schemas: string[],
): Promise<string[]> {
  if (schemas.length === 0) return [];
  return withClient(
    admin,
    async (client) => {
      const { rows } = await client.query<{ nspname: string }>(
        'select nspname from pg_namespace where nspname = any($1)',
        [schemas],
      );
      for (const { nspname } of rows) await client.query(`drop schema ${quoteIdent(nspname)} cascade`);
      return rows.map((r) => r.nspname);
    },
    database ? { database } : {},
  );
}

/** Drops a database devup created for a service (`database: 'auth'`), if it exists. */
export async function dropDatabase(admin: ConnectionInfo, name: string): Promise<boolean> {
  return withClient(admin, async (client) => {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (!rowCount) return false;
    await client.query(`drop database ${quoteIdent(name)} with (force)`);
    return true;
  });
}
