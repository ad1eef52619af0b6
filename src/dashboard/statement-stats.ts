import { type ConnectionInfo, withClient } from '../database/connection/connection.js';
import type { ConcreteEngine } from '../database/engine.js';

export interface StatementRow {
  database: string;
  query: string;
  calls: number;
  meanMs: number;
  totalMs: number;
}

/** The Activity page's slowest statements, or why the panel is hidden. */
export type StatementsView = { shown: true; rows: StatementRow[] } | { shown: false; reason: string };

/**
 * The extension lives in the maintenance database `postgres` of the server devup runs: its view
 * reports every database of the cluster, so the project's databases and the users' schemas get
 * no object of devup's.
 */
const STATS_DATABASE = 'postgres';

const STATEMENTS_SQL = `
  select d.datname as database, s.query, s.calls::int as calls,
         s.mean_exec_time as mean_ms, s.total_exec_time as total_ms
    from pg_stat_statements s join pg_database d on d.oid = s.dbid
   where d.datname = any($1)
   order by s.mean_exec_time desc limit 15`;

const NOT_LOADED =
  'pg_stat_statements is not loaded in this server: database.statStatements is off (the default for images other than the official postgres and postgis ones), its binaries lack it, or it was started before devup turned it on (`devup down`, then `devup dev`, restarts it with it).';

/** Reads pg_stat_statements of a server devup runs; installs the extension in `postgres` the first time. */
export class StatementStats {
  readonly #engine: ConcreteEngine;
  readonly #admin: ConnectionInfo;
  #installed = false;

  constructor(engine: ConcreteEngine, admin: ConnectionInfo) {
    this.#engine = engine;
    this.#admin = admin;
  }

  async read(databases: readonly string[]): Promise<StatementsView> {
    // An external server is not devup's: its settings and extensions are left alone.
    if (this.#engine === 'external') {
      return { shown: false, reason: 'devup does not run this server (external): it turns nothing on there.' };
    }
    return withClient(
      this.#admin,
      async (client) => {
        const { rows } = await client.query<{ libraries: string }>(
          "select current_setting('shared_preload_libraries') as libraries",
        );
        const loaded = (rows[0]?.libraries ?? '').split(',').some((name) => name.trim() === 'pg_stat_statements');
        if (!loaded) return { shown: false, reason: NOT_LOADED };
        if (!this.#installed) {
          await client.query('create extension if not exists pg_stat_statements');
          this.#installed = true;
        }
        const result = await client.query(STATEMENTS_SQL, [databases]);
        return {
          shown: true,
          rows: result.rows.map((r) => ({
            database: r.database,
            query: r.query,
            calls: r.calls,
            meanMs: r.mean_ms,
            totalMs: r.total_ms,
          })),
        };
      },
      { database: STATS_DATABASE },
    );
  }
}
