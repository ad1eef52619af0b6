import type pg from 'pg';
import type { PgError } from '../../database/connection/connection.js';
import { UserError } from '../../errors.js';

/** How migrations meet live traffic: `migrations.*` in the config, or the flags of `devup migrate`. */
export interface TimeoutPolicy {
  lockTimeoutMs?: number | undefined;
  statementTimeoutMs?: number | undefined;
  /** Retries of a migration (or a statement outside a transaction) that hit lock_timeout. */
  lockRetries?: number | undefined;
  /** A second connection to the same database, to see who blocks (opened only after a lock timeout). */
  observe?: (() => Promise<pg.Client>) | undefined;
}

/** Who a waiting backend waited for, as pg_locks and pg_blocking_pids saw it. */
export interface LockBlocker {
  /** The table, or undefined for a row or transaction lock. */
  relation: string | undefined;
  mode: string;
  pid: number;
  applicationName: string;
  state: string | null;
  query: string;
}

export function isLockTimeout(error: unknown): boolean {
  return (error as PgError | undefined)?.code === '55P03';
}

/** Session settings for the connection that applies migrations: every statement runs under them. */
export async function setTimeouts(client: pg.Client, policy: TimeoutPolicy): Promise<void> {
  const sets: string[] = [];
  // Integers are milliseconds for both settings.
  if (policy.lockTimeoutMs) sets.push(`set lock_timeout = ${Math.round(policy.lockTimeoutMs)}`);
  if (policy.statementTimeoutMs) sets.push(`set statement_timeout = ${Math.round(policy.statementTimeoutMs)}`);
  if (sets.length > 0) await client.query(sets.join(';\n'));
}

const BLOCKER_SQL = `
  select l.relation::regclass::text as relation, l.mode, b.pid, b.application_name, b.state, b.query
    from pg_locks l
    cross join lateral unnest(pg_blocking_pids(l.pid)) as blocking(pid)
    join pg_stat_activity b on b.pid = blocking.pid
   where l.pid = $1 and not l.granted
   limit 1`;

/**
 * Polls pg_locks from a second connection while `pid` runs, keeping the last lock it was seen
 * waiting for and who held it. Stopped by the returned function.
 */
function watch(observer: pg.Client, pid: number): () => Promise<LockBlocker | undefined> {
  let seen: LockBlocker | undefined;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const { rows } = await observer.query(BLOCKER_SQL, [pid]).catch(() => ({ rows: [] }));
      const row = rows[0];
      if (row) {
        seen = {
          relation: row.relation ?? undefined,
          mode: row.mode,
          pid: row.pid,
          applicationName: row.application_name ?? '',
          state: row.state,
          query: row.query ?? '',
        };
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    return seen;
  };
}

export interface LockRetryResult<R> {
  result: R;
  attempts: number;
  blocker: LockBlocker | undefined;
}

/**
 * Runs `attempt` again, after a growing pause, while it ends in a lock timeout (`timedOut`), at
 * most `lockRetries` more times. From the second attempt on a second connection watches who
 * blocks it, so the final failure can name the table, the pid and its query.
 */
export async function retryOnLockTimeout<R>(
  client: pg.Client,
  policy: TimeoutPolicy,
  attempt: () => Promise<R>,
  timedOut: (result: R) => boolean,
  onRetry: (message: string) => void,
): Promise<LockRetryResult<R>> {
  const retries = policy.lockTimeoutMs ? (policy.lockRetries ?? 4) : 0;
  let result = await attempt();
  let attempts = 1;
  let blocker: LockBlocker | undefined;
  let observer: { client: pg.Client; pid: number } | undefined;
  try {
    while (timedOut(result) && attempts <= retries) {
      const delayMs = Math.min(200 * 2 ** (attempts - 1), 5_000);
      onRetry(`lock_timeout (${policy.lockTimeoutMs} ms) hit; retry ${attempts} of ${retries} in ${delayMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      if (!observer && policy.observe) {
        const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
        observer = { client: await policy.observe(), pid: rows[0]?.pid as number };
      }
      const stop = observer ? watch(observer.client, observer.pid) : undefined;
      try {
        result = await attempt();
      } finally {
        blocker = (await stop?.()) ?? blocker;
      }
      attempts++;
    }
  } finally {
    await observer?.client.end().catch(() => {});
  }
  return { result, attempts, blocker };
}

/** "table billing.invoices is locked by pid 4242 (psql, idle in transaction): <query>" */
function describeBlocker(blocker: LockBlocker | undefined): string[] {
  if (!blocker) return ['Who held the lock was not seen (it may have been released between attempts).'];
  const what = blocker.relation ? `table ${blocker.relation}` : 'a row or transaction';
  const app = [blocker.applicationName, blocker.state].filter(Boolean).join(', ');
  return [
    `waiting for ${blocker.mode} on ${what}, held by pid ${blocker.pid}${app ? ` (${app})` : ''}`,
    `${blocker.state === 'active' ? 'its query' : 'its last query'}: ${blocker.query.replace(/\s+/g, ' ').trim().slice(0, 300) || '(none)'}`,
  ];
}

/** A migration that kept hitting lock_timeout: the table, the blocking pid and its query. */
export function lockTimeoutError(
  schema: string,
  migrationId: string,
  retry: LockRetryResult<unknown>,
  error: unknown,
  applied = 'Nothing of this migration was applied.',
): UserError {
  const blocker = retry.blocker;
  const what = blocker?.relation ? `table ${blocker.relation}` : 'a lock it needs';
  const by = blocker ? `, held by pid ${blocker.pid}` : '';
  const attempts = `${retry.attempts} attempt${retry.attempts === 1 ? '' : 's'}`;
  return new UserError(
    `migration ${migrationId} in ${schema} could not lock ${what}${by} (lock_timeout, ${attempts})`,
    {
      details: describeBlocker(blocker),
      hint: `${applied} Run again when that transaction has ended${blocker ? ` (or end it: select pg_terminate_backend(${blocker.pid}))` : ''}, or allow a longer --lock-timeout.`,
      cause: error,
    },
  );
}
