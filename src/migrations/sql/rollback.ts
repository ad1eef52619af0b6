import type pg from 'pg';
import { type ConnectionInfo, isPgError, type PgError, withClient } from '../../database/connection/connection.js';
import { UserError } from '../../errors.js';
import { withAdvisoryLock } from '../lock.js';
import type { Migration } from '../migration.js';
import type { TargetWithPlan } from '../target-plans.js';
import type { SqlTarget } from './apply.js';
import { codeFrame, describePgError, locateInSection } from './error-frame.js';
import { deleteHistoryRowSql, isUnfinishedRollback, readHistory, recordRollbackUnfinished } from './history.js';
import { substitutePlaceholders } from './placeholders.js';
import type { TargetPlan } from './plan.js';
import { splitStatements } from './split.js';
import { errorOffset, queryError, runInSchemaTransaction, runStatementsInSchema } from './sql-executor.js';

/** Which applied migrations a rollback takes back, newest first. */
export function selectRollback(
  applied: { version: bigint; name: string }[],
  options: { steps?: number | undefined; to?: bigint | undefined },
): { version: bigint; name: string }[] {
  const newestFirst = [...applied].sort((a, b) => (a.version > b.version ? -1 : 1));
  if (options.to !== undefined) return newestFirst.filter((m) => m.version > (options.to as bigint));
  return newestFirst.slice(0, options.steps ?? 1);
}

/**
 * What a rollback would take back, newest first, from the same rows rollbackTarget reads: every
 * applied migration, those whose file changed or is gone included, each with a note for people.
 */
export function rollbackPreview(
  plan: TargetPlan,
  options: { steps?: number | undefined; to?: bigint | undefined },
): { name: string; version: bigint; note: string | undefined }[] {
  const notes = new Map<bigint, string>([
    ...plan.changed.map(({ row }) => [row.version, 'its file changed since it was applied'] as const),
    ...plan.missing.map((row) => [row.version, 'no file has this version any more'] as const),
  ]);
  const unfinished = plan.blocked.filter((b) => isUnfinishedRollback(b.row)).map((b) => b.row);
  for (const row of unfinished) notes.set(row.version, 'its rollback did not finish: it runs again');
  const rows = [...plan.applied.map((a) => a.row), ...plan.changed.map((c) => c.row), ...plan.missing, ...unfinished];
  return selectRollback(rows, options).map((row) => ({
    name: row.name,
    version: row.version,
    note: notes.get(row.version),
  }));
}

interface RollbackOptions {
  steps?: number | undefined;
  to?: bigint | undefined;
}

/** A target with what a rollback would take back there, for people to confirm. */
export interface PlannedRollback {
  target: SqlTarget;
  preview: { name: string; version: bigint; note: string | undefined }[];
}

/**
 * Refuses, before anyone confirms, a rollback of which some migration has no down section (or no
 * file any more): rollbackTarget would refuse it only after the tenants before it were rolled
 * back, which left a redo half-done (one tenant rolled back and not migrated again).
 */
export function requireDownMigrations(planned: PlannedRollback[]): void {
  const missing = planned.flatMap(({ target, preview }) => {
    const files = new Map(target.migrations.map((m) => [m.version, m]));
    return preview.filter((m) => !files.get(m.version)?.down).map((m) => `${target.schema}: ${m.name}`);
  });
  if (missing.length === 0) return;
  throw new UserError(`cannot roll back ${missing.join(', ')}: no down migration; nothing was rolled back`, {
    hint: 'Add a down file (or a -- migrate:down section), or restore the database another way.',
  });
}

/** Every selected SQL target with something to roll back. */
export function planRollbacks(targets: TargetWithPlan[], options: RollbackOptions): PlannedRollback[] {
  return targets
    .flatMap(({ sql, plan }) => (sql && plan ? [{ target: sql, preview: rollbackPreview(plan, options) }] : []))
    .filter((t) => t.preview.length > 0);
}

/**
 * Rolls back exactly what was confirmed, target by target, each on its own connection:
 * rollbackTarget refuses if the history no longer gives that list.
 */
export async function rollbackTargets(
  admin: ConnectionInfo,
  planned: PlannedRollback[],
  options: RollbackOptions,
  onRolledBack: (target: SqlTarget, done: string[]) => void,
): Promise<void> {
  for (const { target, preview } of planned) {
    const expected = preview.map((m) => m.name);
    const done = await withClient(admin, (client) => rollbackTarget(client, target, { ...options, expected }), {
      database: target.database,
    });
    onRolledBack(target, done);
  }
}

/**
 * Rolls back through down files under the target's lock; returns the ids rolled back.
 * `expected`: the names confirmed by the user; if the history no longer gives exactly those,
 * nothing runs.
 */
export async function rollbackTarget(
  client: pg.Client,
  target: SqlTarget,
  options: { steps?: number | undefined; to?: bigint | undefined; expected?: string[] | undefined },
): Promise<string[]> {
  // If devup dies mid-rollback, the server notices within a second and stops (PG 14+), as for an up.
  await client.query(`set client_connection_check_interval = '1s'`).catch(() => {});
  return withAdvisoryLock(client, target.schema, async () => {
    // A down that did not complete is still to be rolled back: running `migrate down` again finishes it.
    const history = (await readHistory(client, target.schema)).filter((r) => r.success || isUnfinishedRollback(r));
    const chosen = selectRollback(history, options);
    const names = chosen.map((r) => r.name);
    if (options.expected && names.join('\n') !== options.expected.join('\n')) {
      throw new UserError(`${target.schema}: the history changed since the confirmation; nothing was rolled back`, {
        details: [`confirmed: ${options.expected.join(', ') || '(none)'}`, `now: ${names.join(', ') || '(none)'}`],
        hint: 'Another devup (or a person) changed it meanwhile. Run `devup migrate down` again to see the new list.',
      });
    }
    const files = new Map(target.migrations.map((m) => [m.version, m]));
    const missing = chosen.filter((r) => !files.get(r.version)?.down);
    if (missing.length > 0) {
      throw new UserError(
        `${target.schema}: cannot roll back ${missing.map((m) => m.name).join(', ')}: no down migration`,
        {
          hint: 'Add a down file (or a -- migrate:down section), or restore the database another way.',
        },
      );
    }
    const done: string[] = [];
    for (const row of chosen) {
      const migration = files.get(row.version) as Migration;
      await runDown(client, target, migration, done);
      done.push(migration.id);
    }
    return done;
  });
}

/** `done`: what this rollback already took back, named if this one fails. */
async function runDown(client: pg.Client, target: SqlTarget, migration: Migration, done: string[]): Promise<void> {
  const down = migration.down;
  if (!down) return;
  const sql = substitutePlaceholders(down.sql, target);
  const deleteRow = deleteHistoryRowSql(target.schema, migration.version);
  const fail = (error: unknown, index: number | undefined) => {
    const details: string[] = [];
    if (index !== undefined) details.push(...codeFrame(locateInSection(down, index)));
    else details.push(`in ${down.file}`);
    if (isPgError(error)) details.push(...describePgError(error));
    details.push(
      done.length === 0
        ? 'Nothing was rolled back before it.'
        : `Already rolled back (and removed from the history): ${done.join(', ')}.`,
    );
    return new UserError(`rolling back ${migration.id} failed in ${target.schema}`, {
      details,
      hint: down.noTransaction
        ? `${down.file} runs without a transaction: its statements before the failing one stay done. Fix the file (or finish by hand), then run \`devup migrate down\` again.`
        : `Nothing of ${migration.id}'s down was kept. Fix ${down.file}, then run \`devup migrate down\` again for what is left.`,
      cause: error,
    });
  };
  if (down.noTransaction) {
    const statements = await splitStatements(sql.text, down.file);
    // Recorded before the first statement: if the process dies midway, status and the next run know.
    await recordRollbackUnfinished(client, target.schema, migration.version, undefined);
    const failed = await runStatementsInSchema(client, target.schema, statements, (s) => queryError(client, s));
    if (failed) {
      await recordRollbackUnfinished(client, target.schema, migration.version, {
        error: `${(failed.failure as PgError).code ?? 'ERROR'}: ${(failed.failure as PgError).message}`,
        statement: failed.index + 1,
      }).catch(() => {});
      throw fail(failed.failure, sql.toOriginal(errorOffset(failed.statement, failed.failure)));
    }
    await client.query(deleteRow);
    return;
  }
  const failed = await runInSchemaTransaction(client, target.schema, sql, deleteRow);
  if (failed) throw fail(failed.error, failed.index);
}
