import type pg from 'pg';
import type { PgError } from '../database/connection.js';
import { quoteIdent } from '../lib/sql-quote.js';
import type { SubstitutedSql } from './placeholders.js';
import { type Statement, splitStatements } from './split.js';

/** `set [local] search_path`: the target's schema first, so plain SQL lands in it. */
export function searchPathSql(schema: string, local: boolean): string {
  return `set ${local ? 'local ' : ''}search_path to ${quoteIdent(schema)}, public`;
}

/** SQLSTATE classes whose errors depend on timing or the server's state: running again proves nothing. */
const NOT_REPEATABLE = /^(08|40|53|55|57|58|XX)/;

/**
 * Postgres gives no position for many errors (42P01 on `ALTER TABLE missing …`), and one query
 * holds the whole file. To point at a line anyway, the statements are run again one at a time
 * in a transaction that is always rolled back, until one fails with the same SQLSTATE: the
 * index of that statement (or of the error inside it). Only on the failure path, and only for
 * errors that do not depend on timing; undefined when it cannot be told.
 */
async function locateFailingStatement(
  client: pg.Client,
  schema: string,
  text: string,
  error: unknown,
): Promise<number | undefined> {
  const code = (error as PgError).code;
  if (typeof code !== 'string' || NOT_REPEATABLE.test(code)) return undefined;
  let statements: Statement[];
  try {
    statements = await splitStatements(text, '');
  } catch {
    return undefined;
  }
  if (statements.length < 2) return statements[0]?.offset;
  try {
    await client.query(`begin;\n${searchPathSql(schema, true)}`);
    for (const statement of statements) {
      try {
        await client.query(statement.sql);
      } catch (again) {
        if ((again as PgError).code !== code) return undefined;
        const position = Number((again as PgError).position);
        return Number.isFinite(position) ? statement.offset + position - 1 : statement.offset;
      }
    }
    return undefined;
  } catch {
    return undefined;
  } finally {
    await client.query('rollback').catch(() => {});
  }
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
    if (Number.isFinite(position) && position > prefix.length) {
      return { error, index: sql.toOriginal(position - 1 - prefix.length) };
    }
    const index = await locateFailingStatement(client, schema, sql.text, error);
    return { error, index: index === undefined ? undefined : sql.toOriginal(index) };
  }
  try {
    await client.query(`${finish()};\ncommit`);
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  }
  return undefined;
}
