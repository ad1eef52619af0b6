import type pg from 'pg';
import { InterruptedError } from '../errors.js';

/** First key of devup's two-key advisory locks ("devu"); the second is hashtext(schema). */
const LOCK_NAMESPACE = 0x64657675;

export interface LockHolder {
  pid: number;
  applicationName: string;
  since: Date | null;
  clientAddr: string | null;
}

async function tryLock(client: pg.Client, schema: string): Promise<boolean> {
  const { rows } = await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1, hashtext($2)) as locked', [
    LOCK_NAMESPACE,
    schema,
  ]);
  return rows[0]?.locked === true;
}

export async function lockHolder(client: pg.Client, schema: string): Promise<LockHolder | undefined> {
  const { rows } = await client.query<{
    pid: number;
    application_name: string;
    backend_start: Date | null;
    client_addr: string | null;
  }>(
    `select a.pid, a.application_name, a.backend_start, a.client_addr::text as client_addr
       from pg_locks l join pg_stat_activity a on a.pid = l.pid
      where l.locktype = 'advisory' and l.granted and l.objsubid = 2
        and l.database = (select oid from pg_database where datname = current_database())
        and l.classid::bigint = $1
        and l.objid::bigint = (hashtext($2)::bigint + 4294967296) % 4294967296`,
    [LOCK_NAMESPACE, schema],
  );
  const row = rows[0];
  return row
    ? { pid: row.pid, applicationName: row.application_name, since: row.backend_start, clientAddr: row.client_addr }
    : undefined;
}

export function describeHolder(holder: LockHolder): string {
  const app = holder.applicationName ? ` (${holder.applicationName})` : '';
  const since = holder.since ? `, connected since ${holder.since.toISOString()}` : '';
  const from = holder.clientAddr ? ` from ${holder.clientAddr}` : '';
  return `pid ${holder.pid}${app}${from}${since}`;
}

/**
 * Holds a session-level advisory lock on the target schema for the length of `fn`.
 * Session-level, on a connection with no open transaction: CREATE INDEX CONCURRENTLY never
 * waits on devup's own lock, and Postgres drops the lock if the process dies.
 * Waiters poll with pg_try_advisory_lock instead of blocking inside a statement, because a
 * blocked statement holds a snapshot that CREATE INDEX CONCURRENTLY would wait for.
 */
export async function withAdvisoryLock<T>(
  client: pg.Client,
  schema: string,
  fn: () => Promise<T>,
  options: { onWait?: (holder: LockHolder | undefined) => void; pollMs?: number; signal?: AbortSignal } = {},
): Promise<T> {
  let announced = false;
  while (!(await tryLock(client, schema))) {
    if (!announced) {
      announced = true;
      options.onWait?.(await lockHolder(client, schema));
    }
    if (options.signal?.aborted) throw new InterruptedError();
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 50));
  }
  try {
    return await fn();
  } finally {
    await client.query('select pg_advisory_unlock($1, hashtext($2))', [LOCK_NAMESPACE, schema]).catch(() => {});
  }
}
