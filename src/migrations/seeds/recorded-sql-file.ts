import type pg from 'pg';
import { isPgError } from '../../database/connection/connection.js';
import { UserError } from '../../errors.js';
import { quoteLiteral } from '../../lib/sql-quote.js';
import { checksumSql } from '../sql/checksum.js';
import { describePgError, failureFrame } from '../sql/error-frame.js';
import type { SubstitutedSql } from '../sql/placeholders.js';
import { runInSchemaTransaction } from '../sql/sql-executor.js';

/** A table recording which files ran (seeds, `database.init`), each with the checksum it ran with. */
export function createRecordTableSql(table: string): string {
  return `create table if not exists ${table} (file text primary key, checksum text not null, applied_at timestamptz not null default now())`;
}

export interface RecordedSqlFile {
  /** The file on disk, for the code frame of a failure. */
  path: string;
  /** Its name in the record table: relative to the project root. */
  name: string;
  /** The file as written (line endings normalised): what the checksum and the code frame are of. */
  text: string;
  /** What is sent to the server, when placeholders were substituted in `text`. */
  sql?: SubstitutedSql;
}

/**
 * Runs a SQL file once in `schema`, recording it in `table` in the same transaction, through the
 * one executor migrations use. A failure keeps nothing of the file and throws `failure` with a
 * code frame at the failing line.
 */
export async function applyRecordedSqlFile(
  client: pg.Client,
  options: {
    schema: string;
    /** The record table, quoted and qualified. */
    table: string;
    file: RecordedSqlFile;
    failure: { message: string; hint: string };
  },
): Promise<void> {
  const { file, table } = options;
  const failed = await runInSchemaTransaction(
    client,
    options.schema,
    file.sql ?? { text: file.text, toOriginal: (index) => index },
    `insert into ${table} (file, checksum) values (${quoteLiteral(file.name)}, ${quoteLiteral(checksumSql(file.text))})`,
  );
  if (!failed) return;
  throw new UserError(options.failure.message, {
    details: [
      ...failureFrame(file.path, file.text, failed.index),
      ...(isPgError(failed.error) ? describePgError(failed.error) : []),
    ],
    hint: options.failure.hint,
    cause: failed.error,
  });
}
