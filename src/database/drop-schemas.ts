import { UserError } from '../errors.js';
import { appendToGroup } from '../lib/group.js';
import { quoteIdent } from '../lib/sql-quote.js';
import { type ConnectionInfo, withClient } from './connection/connection.js';

/**
 * What `drop schema … cascade` would take with it, one line per kind ("tables: a, b"), so the
 * confirmation names every object, those devup never created included. `ownTables` (devup's
 * history and seed tables, named by the caller so that database/ knows nothing of migrations/) and
 * what belongs to a table (indexes, owned sequences) or an extension are not listed.
 */
export async function describeSchemaContents(
  admin: ConnectionInfo,
  database: string | undefined,
  schema: string,
  ownTables: string[],
): Promise<{ count: number; lines: string[] }> {
  const { rows } = await withClient(
    admin,
    (client) =>
      client.query<{ kind: string; name: string }>(
        `with ns as (select oid from pg_namespace where nspname = $1),
         owned as (select objid from pg_depend where deptype in ('a', 'i', 'e'))
         select case c.relkind when 'r' then 'tables' when 'p' then 'tables' when 'v' then 'views'
                  when 'm' then 'materialized views' when 'S' then 'sequences' when 'f' then 'foreign tables'
                  else 'types' end as kind, c.relname as name
           from pg_class c
          where c.relnamespace = (select oid from ns) and c.relkind in ('r', 'p', 'v', 'm', 'S', 'f', 'c')
            and c.relname <> all($2) and c.oid not in (select objid from owned)
         union all
         select case p.prokind when 'p' then 'procedures' when 'a' then 'aggregates' else 'functions' end,
                p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')'
           from pg_proc p where p.pronamespace = (select oid from ns) and p.oid not in (select objid from owned)
         union all
         select 'types', t.typname from pg_type t
          where t.typnamespace = (select oid from ns) and t.typtype in ('e', 'd', 'r', 'm')
            and t.oid not in (select objid from owned)
         union all
         select 'extensions', e.extname from pg_extension e where e.extnamespace = (select oid from ns)
         order by 1, 2`,
        [schema, ownTables],
      ),
    database ? { database } : {},
  );
  const byKind = new Map<string, string[]>();
  for (const { kind, name } of rows) appendToGroup(byKind, kind, name);
  return { count: rows.length, lines: [...byKind].map(([kind, names]) => `${kind}: ${names.join(', ')}`) };
}

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
