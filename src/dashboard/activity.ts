import type { ResolvedConfig } from '../config/types.js';
import { projectDatabases } from '../copies/reset-template.js';
import { APPLICATION_NAME, type ConnectionInfo, withClient } from '../database/connection/connection.js';
import { UserError } from '../errors.js';
import type { StatementStats, StatementsView } from './statement-stats.js';

export interface SessionActivity {
  pid: number;
  database: string;
  user: string;
  application: string;
  state: string;
  waitEvent: string | null;
  /** Sessions holding a lock this one waits for (pg_blocking_pids). */
  blockedBy: number[];
  runningMs: number | null;
  query: string;
}

export interface LockRow {
  pid: number;
  lockType: string;
  mode: string;
  granted: boolean;
  relation: string | null;
}

export interface ActivityView {
  sessions: SessionActivity[];
  locks: LockRow[];
  /** The slowest statements from pg_stat_statements, or why the panel is hidden. */
  statements: StatementsView;
}

const SESSIONS_SQL = `
  select pid, datname as database, coalesce(usename, '') as user, application_name as application,
         coalesce(state, '') as state, wait_event_type || ':' || wait_event as wait_event,
         pg_blocking_pids(pid) as blocked_by,
         (extract(epoch from now() - query_start) * 1000)::bigint as running_ms, query
    from pg_stat_activity
   where datname = any($1) and pid <> pg_backend_pid() and backend_type = 'client backend'
   order by query_start nulls last`;

const LOCKS_SQL = `
  select l.pid, l.locktype as lock_type, l.mode, l.granted, c.relname as relation
    from pg_locks l
    join pg_stat_activity a on a.pid = l.pid
    left join pg_class c on c.oid = l.relation
   where a.datname = any($1) and l.pid <> pg_backend_pid() and l.locktype <> 'virtualxid'
   order by l.granted, l.pid`;

/** Sessions, locks and the slowest statements (pg_stat_statements) of the project's databases. */
export async function readActivity(
  config: Pick<ResolvedConfig, 'services'>,
  admin: ConnectionInfo,
  stats: StatementStats,
): Promise<ActivityView> {
  const databases = projectDatabases(config, admin);
  const statements = await stats.read(databases);
  return withClient(admin, async (client) => {
    const sessions = await client.query(SESSIONS_SQL, [databases]);
    const locks = await client.query(LOCKS_SQL, [databases]);
    return {
      sessions: sessions.rows.map((r) => ({
        pid: r.pid,
        database: r.database,
        user: r.user,
        application: r.application,
        state: r.state,
        waitEvent: r.wait_event,
        blockedBy: r.blocked_by,
        runningMs: r.running_ms === null ? null : Number(r.running_ms),
        query: r.query,
      })),
      locks: locks.rows.map((r) => ({
        pid: r.pid,
        lockType: r.lock_type,
        mode: r.mode,
        granted: r.granted,
        relation: r.relation,
      })),
      statements,
    };
  });
}

/** Cancels the query of a session on one of the project's databases (never another's, never devup's own). */
export async function cancelQuery(
  config: Pick<ResolvedConfig, 'services'>,
  admin: ConnectionInfo,
  pid: number,
): Promise<boolean> {
  if (!Number.isInteger(pid) || pid <= 0) throw new UserError('pid: a process id');
  const databases = projectDatabases(config, admin);
  return withClient(admin, async (client) => {
    const { rows } = await client.query(
      'select pg_cancel_backend(pid) as cancelled from pg_stat_activity where pid = $1 and datname = any($2) and application_name <> $3',
      [pid, databases, APPLICATION_NAME],
    );
    if (rows.length === 0) throw new UserError(`no session ${pid} on this project's databases`);
    return rows[0].cancelled === true;
  });
}
