import type pg from 'pg';
import type { PgError } from '../database/connection.js';
import { quoteIdent } from '../lib/sql-quote.js';
import type { SubstitutedSql } from './placeholders.js';

/** `set [local] search_path`: the target's schema first, so plain SQL lands in it. */
export function searchPathSql(schema: string, local: boolean): string {
  return `set ${local ? 'local ' : ''}search_path to ${quoteIdent(schema)}, public`;
}

/** Why SQL run by runInSchemaTransaction failed, and where in the original text (before placeholders). */
export interface SchemaSqlFailure {
  error: unknown;
  index: number | undefined;
}

/**
 * Runs a migration's (or seed's, or down file's) SQL in one transaction with its schema first on
 * the search_path, then `finish` (the history or seed row) and the commit: two round trips. On a
 * failure of the SQL, rolls back and returns the error with its position mapped back to the text
 * as written; nothing of it is kept.
 */
export async function runInSchemaTransaction(
  client: pg.Client,
  schema: string,
  sql: SubstitutedSql,
  /** Built once the SQL has run (it may record how long that took). */
  finish: () => string,
): Promise<SchemaSqlFailure | undefined> {
  const prefix = `begin;\n${searchPathSql(schema, true)};\n`;
  try {
    await client.query(prefix + sql.text);
  } catch (error) {
    await client.query('rollback').catch(() => {});
    const position = Number((error as PgError).position);
    const inSql = Number.isFinite(position) && position > prefix.length;
    return { error, index: inSql ? sql.toOriginal(position - 1 - prefix.length) : undefined };
  }
  try {
    await client.query(`${finish()};\ncommit`);
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  }
  return undefined;
}
