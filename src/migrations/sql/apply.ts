import type pg from 'pg';
import type { PgError } from '../../database/connection/connection.js';
import { isConnectionLost } from '../../database/connection/server-errors.js';
import { InterruptedError, UserError } from '../../errors.js';
import { type LockHolder, withAdvisoryLock } from '../lock.js';
import type { Migration } from '../migration.js';
import type { TargetBase } from '../targets.js';
import { codeFrame, locateInSection } from './error-frame.js';
import { createHistorySql, readHistory, recordAppliedSql, recordFailure, recordFinished } from './history.js';
import {
  isLockTimeout,
  lockTimeoutError,
  retryOnLockTimeout,
  setTimeouts,
  type TimeoutPolicy,
} from './lock-timeout.js';
import { connectionLost, failure } from './migration-failure.js';
import { type SubstitutedSql, substitutePlaceholders } from './placeholders.js';
import { planTarget } from './plan.js';
import { checkPlanSafety } from './plan-safety.js';
import { checkSyntaxOnServer, scanSplitsExactly, scanStatements } from './scan-split.js';
import { findTransactionControl, preloadParser, type Statement, splitStatements } from './split.js';
import { errorOffset, queryError, runInSchemaTransaction, runStatementsInSchema } from './sql-executor.js';

/** One schema to migrate: a service's migrations for one tenant. */
export interface SqlTarget {
  service: string;
  tenant: string;
  schema: string;
  /** The service's own database, or undefined for the project's main database. */
  database: string | undefined;
  migrations: Migration[];
  /** The contexts this run runs (`--context`, `migrations.context`); undefined: every migration. */
  contexts?: readonly string[] | undefined;
  /** `migrations.bootstrap: 'schema'`: the snapshot a target with no history is built from. */
  bootstrap?: string | undefined;
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

function pgErrorText(error: unknown): string {
  const e = error as PgError;
  return `${e.code ?? 'ERROR'}: ${e.message}`;
}

/** One pending migration about to run on a target, its placeholders substituted. */
interface MigrationRun {
  client: pg.Client;
  target: SqlTarget;
  migration: Migration;
  sql: SubstitutedSql;
  options: ApplyOptions;
}

/** A lock-timeout retry is worth a warning: the migration waited on live traffic. */
function warnOnRetry(run: MigrationRun, where: string): (message: string) => void {
  return (message) => run.options.onEvent?.({ type: 'warning', target: run.target, message: `${where}: ${message}` });
}

async function applyInTransaction(run: MigrationRun): Promise<number> {
  const { client, target, migration, sql, options } = run;
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
  // The history row rides in the same round trip as the file (see recordAppliedSql).
  const record = recordAppliedSql(target.schema, migration);
  let started = performance.now();
  const once = () => {
    started = performance.now();
    return runInSchemaTransaction(client, target.schema, sql, record);
  };
  const retry = await retryOnLockTimeout(
    client,
    options.timeouts ?? {},
    once,
    (failed) => isLockTimeout(failed?.error),
    warnOnRetry(run, migration.id),
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
  return Math.round(performance.now() - started);
}

/**
 * A no-transaction file's statements. Most files are cut by the lexical scan and checked by the
 * server's parser (nothing runs when any statement has a syntax error); a file the scan cannot
 * cut exactly goes to libpg-query.
 */
async function statementsOf(run: MigrationRun): Promise<Statement[]> {
  const { client, migration, sql, options } = run;
  if (!scanSplitsExactly(sql.text)) {
    return splitStatements(sql.text, migration.up.file, { signal: options.signal });
  }
  if (options.signal?.aborted) throw new InterruptedError();
  await checkSyntaxOnServer(client, sql.text, migration.up.file);
  return scanStatements(sql.text);
}

async function applyWithoutTransaction(run: MigrationRun): Promise<number> {
  const { client, target, migration, sql, options } = run;
  let statements: Statement[];
  try {
    statements = await statementsOf(run);
  } catch (error) {
    if (error instanceof InterruptedError) throw error;
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
  const failed = await runStatementsInSchema(client, target.schema, statements, async (statement, index) => {
    // A statement that failed changed nothing, so one that hit lock_timeout can run again.
    const retry = await retryOnLockTimeout(
      client,
      options.timeouts ?? {},
      () => queryError(client, statement),
      isLockTimeout,
      warnOnRetry(run, `${migration.id}, statement ${index + 1}`),
    );
    return retry.result === undefined ? undefined : retry;
  });
  if (failed) {
    const { index, statement, failure: retry } = failed;
    const error = retry.result;
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
    const before = index === 0 ? 'none before it was applied' : `statements 1-${index} were applied (no transaction)`;
    throw failure(target, migration, migration.up, error, sql.toOriginal(errorOffset(statement, error)), [
      `statement ${index + 1} of ${statements.length} failed; ${before}.`,
    ]);
  }
  const ms = Math.round(performance.now() - started);
  await recordFinished(client, target.schema, migration.version, ms);
  return ms;
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
        let history = await readHistory(client, target.schema);
        if (history.length === 0 && target.bootstrap) {
          // Lazy: only a target with no history and `migrations.bootstrap: 'schema'` comes here.
          const { bootstrapFromSnapshot } = await import('./bootstrap.js');
          const covered = await bootstrapFromSnapshot(client, { ...target, bootstrap: target.bootstrap });
          for (const migration of covered) applied.push({ migration, ms: 0 });
          if (covered.length > 0) history = await readHistory(client, target.schema);
        }
        const plan = planTarget(target.migrations, history, target.contexts);
        if (plan.pending.some((m) => m.up.noTransaction && !scanSplitsExactly(m.up.sql))) preloadParser();
        for (const message of checkPlanSafety(target, plan, options))
          options.onEvent?.({ type: 'warning', target, message });
        for (const migration of plan.pending) {
          if (options.signal?.aborted) break;
          current = migration;
          options.onEvent?.({ type: 'file-start', target, migration });
          const run = { client, target, migration, sql: substitutePlaceholders(migration.up.sql, target), options };
          const ms = migration.up.noTransaction ? await applyWithoutTransaction(run) : await applyInTransaction(run);
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
