import type pg from 'pg';
import type { PgError } from '../../database/connection/connection.js';
import { quoteIdent } from '../../lib/sql-quote.js';
import type { SubstitutedSql } from './placeholders.js';
import { type Statement, splitStatements } from './split.js';

/** `set [local] search_path`: the target's schema first, so plain SQL lands in it. */
export function searchPathSql(schema: string, local: boolean): string {
  return `set ${local ? 'local ' : ''}search_path to ${quoteIdent(schema)}, public`;
}

/** Where in the text a statement's error points: its position in the statement, else the statement's start. */
export function errorOffset(statement: Statement, error: unknown): number {
  const position = Number((error as PgError).position);
  return Number.isFinite(position) ? statement.offset + position - 1 : statement.offset;
}

/** Runs one statement; resolves to its error, or undefined when it succeeded. */
export function queryError(client: pg.Client, statement: Statement): Promise<unknown> {
  return client.query(statement.sql).then(
    () => undefined,
    (error: unknown) => error,
  );
}

/**
 * Runs a no-transaction migration's (or down file's) statements one at a time, with the schema
 * first on the search_path, reset afterwards whether they all ran or not (the connection goes on
 * to other schemas). `run` runs one statement and returns what went wrong, if anything (apply
 * retries a lock timeout there); the first failure stops the rest and is returned with its statement.
 */
export async function runStatementsInSchema<F>(
  client: pg.Client,
  schema: string,
  statements: Statement[],
  run: (statement: Statement, index: number) => Promise<F | undefined>,
): Promise<{ index: number; statement: Statement; failure: F } | undefined> {
  await client.query(searchPathSql(schema, false));
  try {
    for (const [index, statement] of statements.entries()) {
      const failure = await run(statement, index);
      if (failure !== undefined) return { index, statement, failure };
    }
    return undefined;
  } finally {
    await client.query('reset search_path').catch(() => {});
  }
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
        return errorOffset(statement, again);
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
 * the search_path, then `finish` (the history or seed row) and the commit, all in one round trip:
 * on a corpus of hundreds of small files the round trips are a good part of the time. On a failure
 * of the SQL, the server skips the rest, so nothing is recorded; this rolls back and returns the
 * error with its position mapped back to the text as written. A failure of `finish` itself throws.
 */
export async function runInSchemaTransaction(
  client: pg.Client,
  schema: string,
  sql: SubstitutedSql,
  /** SQL run after the file's own, in its transaction (none: the file's statements alone). */
  finish: string | undefined,
): Promise<SchemaSqlFailure | undefined> {
  const prefix = `begin;\n${searchPathSql(schema, true)};\n`;
  // A newline first: the file may end in a `--` comment or lack its final `;`.
  const suffix = finish === undefined ? '\n;\ncommit' : `\n;\n${finish};\ncommit`;
  try {
    await client.query(prefix + sql.text + suffix);
  } catch (error) {
    await client.query('rollback').catch(() => {});
    const position = Number((error as PgError).position);
    if (Number.isFinite(position) && position > prefix.length + sql.text.length) throw error;
    if (Number.isFinite(position) && position > prefix.length) {
      return { error, index: sql.toOriginal(position - 1 - prefix.length) };
    }
    const index = await locateFailingStatement(client, schema, sql.text, error);
    return { error, index: index === undefined ? undefined : sql.toOriginal(index) };
  }
  return undefined;
}
