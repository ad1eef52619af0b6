import { isPgError, type PgError } from '../../database/connection/connection.js';
import { isConnectionLost, serverErrorHint } from '../../database/connection/server-errors.js';
import { UserError } from '../../errors.js';
import type { Migration, SqlSection } from '../migration.js';
import type { SqlTarget } from './apply.js';
import { codeFrame, describePgError, locateInSection } from './error-frame.js';

export function failure(
  target: SqlTarget,
  migration: Migration,
  section: SqlSection,
  error: unknown,
  indexInSection: number | undefined,
  extra: string[] = [],
): UserError {
  const where = `${target.service}${target.tenant === 'default' ? '' : ` (tenant ${target.tenant})`}, schema ${target.schema}`;
  const details: string[] = [];
  if (indexInSection !== undefined) details.push(...codeFrame(locateInSection(section, indexInSection)));
  else details.push(section.file);
  details.push(...extra);
  if (isPgError(error)) details.push(...describePgError(error));
  else details.push((error as Error).message);
  return new UserError(`migration ${migration.id} failed in ${where}`, {
    details,
    hint: failureHint(error, section.noTransaction),
    cause: error,
  });
}

/** What to do next, and what is known of the database's state, for the way a migration failed. */
function failureHint(error: unknown, noTransaction: boolean): string {
  if ((error as PgError).code === '25001') {
    return 'This statement cannot run inside a transaction: put -- devup:no-transaction on the first line of the file, so devup runs it statement by statement.';
  }
  const partly =
    'it runs without a transaction, so the statements before the failing one took effect: make the file safe to re-run (e.g. IF NOT EXISTS), then run `devup migrate repair` and migrate again.';
  if (isConnectionLost(error)) {
    return noTransaction
      ? `The connection to Postgres was lost (server stopped or restarted?); ${partly}`
      : 'The connection to Postgres was lost (server stopped or restarted?) before the migration committed, so none of it was kept: start the server and run again.';
  }
  // A no-transaction file that does not parse (split or checked before its first statement).
  if (noTransaction && error instanceof UserError)
    return 'Fix the SQL and run again; the file did not parse, so none of it ran.';
  if (noTransaction) return `Fix the failing statement; ${partly}`;
  const server = serverErrorHint(error);
  if (server) return `${server} The migration was rolled back.`;
  return 'Fix the SQL and run again; the migration ran in one transaction, so nothing of it was applied.';
}

/** The server went away between devup's own queries (history row, search_path, commit). */
export function connectionLost(target: SqlTarget, migration: Migration | undefined, error: unknown): UserError {
  const during = migration ? ` during migration ${migration.id}` : '';
  let hint =
    'Start the server (was it stopped or restarted?) and run again: each migration commits together with its history row, so the next run sees exactly what was applied.';
  if (migration?.up.noTransaction) {
    hint =
      'Start the server and run again: this migration runs without a transaction, so it may be partly applied; the next run says so and stops until you have checked it (then `devup migrate repair`).';
  }
  return new UserError(
    `lost the connection to Postgres${during} in schema ${target.schema}: ${(error as Error).message}`,
    {
      hint,
      cause: error,
    },
  );
}
