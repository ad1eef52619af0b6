import type pg from 'pg';
import type { PgError } from '../database/connection.js';
import { isConnectionLost } from '../database/server-errors.js';
import { UserError } from '../errors.js';
import { quoteLiteral } from '../lib/sql-quote.js';
import { codeFrame, locateInSection } from './error-frame.js';
import { createHistorySql, type HistoryRow, historyTable, readHistory } from './history.js';
import { type LockHolder, withAdvisoryLock } from './lock.js';
import {
  isLockTimeout,
  lockTimeoutError,
  retryOnLockTimeout,
  setTimeouts,
  type TimeoutPolicy,
} from './lock-timeout.js';
import type { Migration } from './migration.js';
import { connectionLost, failure } from './migration-failure.js';
import { substitutePlaceholders } from './placeholders.js';
import { planTarget, type TargetPlan } from './plan.js';
import { runInSchemaTransaction, searchPathSql } from './schema-transaction.js';
import { findTransactionControl, splitStatements } from './split.js';
import type { TargetBase } from './targets.js';

/** One schema to migrate: a service's migrations for one tenant. */
export interface SqlTarget {
  service: string;
  tenant: string;
  schema: string;
  /** The service's own database, or undefined for the project's main database. */
  database: string | undefined;
  migrations: Migration[];
}

export type MigrationEvent =
  | { type: 'lock-wait'; target: SqlTarget; holder: LockHolder | undefined }
  | { type: 'file-start'; target: SqlTarget; migration: Migration }
  | { type: 'file-done'; target: SqlTarget; migration: Migration; ms: number }
  | { type: 'warning'; target: TargetBase; message: string };

export interface ApplyOptions {
  /** Out-of-order and missing migrations are errors (CI) instead of warnings (dev). */
  strict?: boolean;
  onEvent?: (event: MigrationEvent) => void;
  signal?: AbortSignal;
  /** lock_timeout / statement_timeout for every migration, and retries on a lock timeout. */
  timeouts?: TimeoutPolicy;
}

export interface TargetResult {
  target: SqlTarget;
  applied: { migration: Migration; ms: number }[];
  ms: number;
}

async function recordFailure(client: pg.Client, schema: string, migration: Migration, row: Partial<HistoryRow>) {
  await client.query(
    `insert into ${historyTable(schema)} (version, name, checksum, execution_ms, success, transactional, error, statement)
     values ($1, $2, $3, $4, false, $5, $6, $7)
     on conflict (version) do update set name = excluded.name, checksum = excluded.checksum, applied_at = now(),
       execution_ms = excluded.execution_ms, success = false, transactional = excluded.transactional,
       error = excluded.error, statement = excluded.statement, applied_by = current_user`,
    [
      migration.version.toString(),
      migration.id,
      migration.checksum,
      row.executionMs ?? 0,
      row.transactional ?? true,
      row.error ?? null,
      row.statement ?? null,
    ],
  );
}

function pgErrorText(error: unknown): string {
  const e = error as PgError;
  return `${e.code ?? 'ERROR'}: ${e.message}`;
}

async function applyInTransaction(
  client: pg.Client,
  target: SqlTarget,
  migration: Migration,
  options: ApplyOptions,
): Promise<number> {
  const sql = substitutePlaceholders(migration.up.sql, target);
  // A COMMIT in the file would commit devup's transaction early: half a migration, no history row.
  const control = await findTransactionControl(sql.text);
  if (control) {
    throw new UserError(
      `migration ${migration.id} contains ${control.keyword}: devup runs each migration in its own transaction`,
      {
        details: codeFrame(locateInSection(migration.up, sql.toOriginal(control.offset))),
        hint: 'Remove the BEGIN/COMMIT lines (devup adds them), or put -- devup:no-transaction on the first line to run it statement by statement.',
      },
    );
  }
  let started = performance.now();
  let ms = 0;
  // One round trip for the migration's SQL, one for its history row and the commit.
  const once = () => {
    started = performance.now();
    return runInSchemaTransaction(client, target.schema, sql, () => {
      ms = Math.round(performance.now() - started);
      return `insert into ${historyTable(target.schema)} (version, name, checksum, execution_ms, success, transactional)
     values (${migration.version}, ${quoteLiteral(migration.id)}, ${quoteLiteral(migration.checksum)}, ${ms}, true, true)
     on conflict (version) do update set name = excluded.name, checksum = excluded.checksum, applied_at = now(),
       execution_ms = excluded.execution_ms, success = true, error = null, statement = null, applied_by = current_user`;
    });
  };
  const retry = await retryOnLockTimeout(
    client,
    options.timeouts ?? {},
    once,
    (failed) => isLockTimeout(failed?.error),
    (message) => options.onEvent?.({ type: 'warning', target, message: `${migration.id}: ${message}` }),
  );
  const failed = retry.result;
  if (failed) {
    await recordFailure(client, target.schema, migration, {
      executionMs: Math.round(performance.now() - started),
      transactional: true,
      error: pgErrorText(failed.error),
    }).catch(() => {});
    if (isLockTimeout(failed.error) && options.timeouts?.lockTimeoutMs) {
      throw lockTimeoutError(target.schema, migration.id, retry, failed.error);
    }
    throw failure(target, migration, migration.up, failed.error, failed.index);
  }
  return ms;
}

async function applyWithoutTransaction(
  client: pg.Client,
  target: SqlTarget,
  migration: Migration,
  options: ApplyOptions,
): Promise<number> {
  const sql = substitutePlaceholders(migration.up.sql, target);
  let statements: Awaited<ReturnType<typeof splitStatements>>;
  try {
    statements = await splitStatements(sql.text, migration.up.file);
  } catch (error) {
    const position = (error as { position?: number }).position;
    throw failure(
      target,
      migration,
      migration.up,
      error,
      position === undefined ? undefined : sql.toOriginal(position),
    );
  }
  const started = performance.now();
  // Recorded before the first statement: if the process dies midway, the next run knows.
  await recordFailure(client, target.schema, migration, {
    transactional: false,
    error: `did not finish: started at ${new Date().toISOString()} by pid ${process.pid}`,
    statement: null,
  });
  await client.query(searchPathSql(target.schema, false));
  try {
    for (const [index, statement] of statements.entries()) {
      // A statement that failed changed nothing, so one that hit lock_timeout can run again.
      const retry = await retryOnLockTimeout(
        client,
        options.timeouts ?? {},
        () =>
          client.query(statement.sql).then(
            () => undefined,
            (error: unknown) => error,
          ),
        isLockTimeout,
        (message) =>
          options.onEvent?.({
            type: 'warning',
            target,
            message: `${migration.id}, statement ${index + 1}: ${message}`,
          }),
      );
      const error = retry.result;
      if (error !== undefined) {
        const position = Number((error as PgError).position);
        const at = Number.isFinite(position) ? statement.offset + position - 1 : statement.offset;
        await recordFailure(client, target.schema, migration, {
          executionMs: Math.round(performance.now() - started),
          transactional: false,
          error: pgErrorText(error),
          statement: index + 1,
        }).catch(() => {});
        if (isLockTimeout(error) && options.timeouts?.lockTimeoutMs) {
          const applied = `Statements 1-${index} of ${statements.length} were applied (no transaction); \`devup migrate repair\` once the rest is safe to re-run.`;
          throw lockTimeoutError(target.schema, migration.id, retry, error, index === 0 ? undefined : applied);
        }
        const before =
          index === 0 ? 'none before it was applied' : `statements 1-${index} were applied (no transaction)`;
        throw failure(target, migration, migration.up, error, sql.toOriginal(at), [
          `statement ${index + 1} of ${statements.length} failed; ${before}.`,
        ]);
      }
    }
  } finally {
    await client.query('reset search_path').catch(() => {});
  }
  const ms = Math.round(performance.now() - started);
  await client.query(
    `update ${historyTable(target.schema)} set success = true, error = null, statement = null, execution_ms = $2, applied_at = now() where version = $1`,
    [migration.version.toString(), ms],
  );
  return ms;
}

/** Stops on what a person must look at: drift, a half-applied migration, out-of-order in strict mode. */
export function checkPlan(target: SqlTarget, plan: TargetPlan, options: ApplyOptions): string[] {
  const warnings: string[] = [];
  const where = `${target.schema}`;
  if (plan.changed.length > 0) {
    throw new UserError(
      `${where}: ${plan.changed.length === 1 ? 'an applied migration was' : `${plan.changed.length} applied migrations were`} changed since it ran`,
      {
        details: plan.changed.map(
          ({ migration, row }) =>
            `  ${migration.up.file}\n    applied checksum ${row.checksum.slice(0, 12)}…, file checksum ${migration.checksum.slice(0, 12)}…`,
        ),
        hint: 'Revert the file and put the change in a new migration, or run `devup migrate repair` to accept the files as they are.',
      },
    );
  }
  const blocked = plan.blocked[0];
  if (blocked) {
    const { row } = blocked;
    const what = row.error?.startsWith('did not finish')
      ? `was interrupted (${row.error})`
      : `failed at statement ${row.statement ?? '?'} (${row.error})`;
    throw new UserError(
      `${where}: migration ${row.name} ${what}; it ran outside a transaction, so it may be partly applied`,
      {
        hint: 'Check which of its statements took effect, make the file safe to re-run (e.g. IF NOT EXISTS), then run `devup migrate repair` and migrate again.',
      },
    );
  }
  if (plan.outOfOrder.length > 0) {
    const ids = plan.outOfOrder.map((m) => m.id).join(', ');
    const message = `${ids} ${plan.outOfOrder.length === 1 ? 'is' : 'are'} older than the newest applied migration (merged from another branch?)`;
    if (options.strict) {
      throw new UserError(`${where}: ${message}`, {
        hint: 'Renumber the migration after the newest one, or run without --strict to apply it out of order.',
      });
    }
    warnings.push(`${message}; applying out of order`);
  }
  if (plan.missing.length > 0) {
    const ids = plan.missing.map((r) => r.name).join(', ');
    if (options.strict) {
      throw new UserError(`${where}: applied migrations have no file any more: ${ids}`, {
        hint: 'Restore the files (or check out the right branch).',
      });
    }
    warnings.push(`applied migrations have no file any more: ${ids}`);
  }
  return warnings;
}

/**
 * Applies a target's pending migrations under its advisory lock. The plan is made again
 * inside the lock, so any number of concurrent runners apply each migration exactly once.
 */
export async function applyTarget(
  client: pg.Client,
  target: SqlTarget,
  options: ApplyOptions = {},
): Promise<TargetResult> {
  const started = performance.now();
  const applied: TargetResult['applied'] = [];
  let current: Migration | undefined;
  // If devup dies mid-migration, the server notices within a second and rolls back (PG 14+).
  await client.query(`set client_connection_check_interval = '1s'`).catch(() => {});
  try {
    if (options.timeouts) await setTimeouts(client, options.timeouts);
    await withAdvisoryLock(
      client,
      `${target.schema}`,
      async () => {
        await client.query(createHistorySql(target.schema));
        const plan = planTarget(target.migrations, await readHistory(client, target.schema));
        for (const message of checkPlan(target, plan, options)) options.onEvent?.({ type: 'warning', target, message });
        for (const migration of plan.pending) {
          if (options.signal?.aborted) break;
          current = migration;
          options.onEvent?.({ type: 'file-start', target, migration });
          const ms = migration.up.noTransaction
            ? await applyWithoutTransaction(client, target, migration, options)
            : await applyInTransaction(client, target, migration, options);
          applied.push({ migration, ms });
          current = undefined;
          options.onEvent?.({ type: 'file-done', target, migration, ms });
        }
      },
      {
        onWait: (holder) => options.onEvent?.({ type: 'lock-wait', target, holder }),
        ...(options.signal ? { signal: options.signal } : {}),
      },
    );
  } catch (error) {
    if (error instanceof UserError || !isConnectionLost(error)) throw error;
    throw connectionLost(target, current, error);
  }
  return { target, applied, ms: performance.now() - started };
}
