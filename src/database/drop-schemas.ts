import { UserError } from '../errors.js';
import { quoteIdent } from '../lib/sql-quote.js';
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
      for (const { nspname } of rows) {
        await client.query(`drop schema ${quoteIdent(nspname)} cascade`);
        // Extensions and ad-hoc SQL expect a public schema to exist: give back an empty one.
        if (nspname === 'public') await client.query('create schema public');
      }
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
    try {
      await client.query(`drop database ${quoteIdent(name)} with (force)`);
    } catch (error) {
      throw new UserError(`cannot drop the database "${name}": ${(error as Error).message}`, {
        hint:
          (error as { code?: string }).code === '55006'
            ? "It is the database devup is connected to: a service's `database` must differ from database.database."
            : "Check the database user's privileges.",
        cause: error,
      });
    }
    return true;
  });
}
