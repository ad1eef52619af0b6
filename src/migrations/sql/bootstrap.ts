import { readFileSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { isPgError } from '../../database/connection/connection.js';
import { UserError } from '../../errors.js';
import { quoteLiteral } from '../../lib/sql-quote.js';
import type { Migration } from '../migration.js';
import type { SqlTarget } from './apply.js';
import { describePgError, failureFrame } from './error-frame.js';
import { historyTable } from './history.js';
import { substitutePlaceholders } from './placeholders.js';
import { readSealedSnapshot, type SnapshotReading } from './snapshot-seal.js';
import { runInSchemaTransaction } from './sql-executor.js';

export const REWRITE_HINT =
  'Run `devup schema` to write the snapshot again from the migrations (and commit it), or set migrations.bootstrap to "replay".';

function readSnapshotFile(file: string, schema: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new UserError(`${schema}: migrations.bootstrap is "schema", but ${file} cannot be read`, {
      hint: REWRITE_HINT,
      cause: error,
    });
  }
}

/**
 * The migrations the snapshot covers, each checked against its file: a file changed (or gone)
 * since the snapshot was written means the snapshot is not what those migrations build.
 */
function coveredMigrations(
  target: SqlTarget,
  file: string,
  covered: { version: bigint; name: string; checksum: string }[],
): Migration[] {
  const files = new Map(target.migrations.map((m) => [m.version, m]));
  const problems: string[] = [];
  const found: Migration[] = [];
  for (const c of covered) {
    const migration = files.get(c.version);
    if (!migration) problems.push(`  ${c.name}: no migration file has version ${c.version} any more`);
    else if (migration.checksum !== c.checksum)
      problems.push(`  ${migration.id}: changed since the snapshot was written`);
    else found.push(migration);
  }
  if (problems.length > 0) {
    throw new UserError(
      `${target.schema}: the schema snapshot ${file} is older than migrations it covers; nothing was applied`,
      {
        details: problems,
        hint: REWRITE_HINT,
      },
    );
  }
  return found;
}

/**
 * `migrations.bootstrap: 'schema'` for a target with no history: the committed snapshot
 * (`devup schema`'s `<service>.sql`) is loaded and the migrations it covers are recorded as
 * applied, in one transaction; what is newer is then applied the usual way. Refused, with nothing
 * done, when the snapshot was edited or is older than a migration it covers.
 */
export async function bootstrapFromSnapshot(
  client: pg.Client,
  target: SqlTarget & { bootstrap: string },
): Promise<Migration[]> {
  const { shown, reading } = readSnapshot(target.bootstrap, target.schema);
  const migrations = coveredMigrations(target, shown, reading.covered);
  if (migrations.length === 0) return [];
  const rows = migrations.map(
    (m) =>
      `(${m.version}, ${quoteLiteral(m.id)}, ${quoteLiteral(m.checksum)}, 0, true, ${!m.up.noTransaction}, current_user || ' (schema snapshot)')`,
  );
  const record = `insert into ${historyTable(target.schema)} (version, name, checksum, execution_ms, success, transactional, applied_by) values ${rows.join(', ')}`;
  await loadSnapshot(client, target, shown, reading.sql, record);
  return migrations;
}

/** The sealed snapshot in `file`, or why it cannot build `schema` (a UserError, nothing done). */
export function readSnapshot(
  file: string,
  schema: string,
): { shown: string; reading: Extract<SnapshotReading, { ok: true }> } {
  const shown = path.relative(process.cwd(), file) || file;
  const reading = readSealedSnapshot(readSnapshotFile(file, schema));
  if (!reading.ok) {
    throw new UserError(`${schema}: cannot build it from ${shown}: ${reading.problem}`, { hint: REWRITE_HINT });
  }
  return { shown, reading };
}

/**
 * Runs the snapshot's DDL in the target's schema, then `record` (what makes the history say it
 * is applied), in one transaction: a failure leaves nothing behind.
 */
export async function loadSnapshot(
  client: pg.Client,
  target: { schema: string; tenant: string },
  shown: string,
  sql: string,
  record: string | undefined,
): Promise<void> {
  // The snapshot turns function body checks off for its own statements only.
  const finish = `${record === undefined ? '' : `${record};\n`}reset check_function_bodies`;
  const failed = await runInSchemaTransaction(client, target.schema, substitutePlaceholders(sql, target), finish);
  if (failed) {
    throw new UserError(`${target.schema}: loading the schema snapshot ${shown} failed; nothing was applied`, {
      details: [
        ...failureFrame(shown, sql, failed.index),
        ...(isPgError(failed.error) ? describePgError(failed.error) : []),
      ],
      hint: REWRITE_HINT,
      cause: failed.error,
    });
  }
}
