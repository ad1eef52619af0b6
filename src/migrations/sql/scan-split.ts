import type pg from 'pg';
import type { PgError } from '../../database/connection/connection.js';
import { UserError } from '../../errors.js';
import type { Statement } from './split.js';
import { forEachTopLevelStatement } from './sql-scan.js';

/**
 * Whether the lexical scan cuts this text exactly where the server would. Outside strings,
 * comments and dollar quotes, a `;` ends a statement except in a `BEGIN ATOMIC … END` body and
 * in a rule's parenthesised actions: a text with either word anywhere (in a comment too: the test
 * errs on the parser's side) goes to the parser.
 */
export function scanSplitsExactly(sql: string): boolean {
  return !/\b(atomic|rule)\b/i.test(sql);
}

/** The top-level statements by the lexical scan alone, without their `;` (comments before one are skipped). */
export function scanStatements(sql: string): Statement[] {
  const statements: Statement[] = [];
  forEachTopLevelStatement(
    sql,
    (start, end) => {
      const text = sql.slice(start, sql.charCodeAt(end - 1) === 59 /* ; */ ? end - 1 : end).trimEnd();
      if (text !== '') statements.push({ sql: text, offset: start });
    },
    0,
  );
  return statements;
}

/** A statement that fails when it runs, never when it is parsed (division by zero: 22012). */
const STOP = 'select 1/0;\n';

/**
 * Asks the server whether the whole text parses, running none of it. A simple query's text is
 * parsed in full before its first statement runs, so a syntax error anywhere is reported with
 * nothing run, and otherwise the leading division by zero stops the rest (and rolls back the
 * implicit transaction). The server's own grammar decides, in one round trip, instead of loading
 * libpg-query (about 50 ms of CPU on a run, measured on Node 20). `position` is a character offset.
 */
export async function checkSyntaxOnServer(client: pg.Client, sql: string, file: string): Promise<void> {
  const error = await client.query(`${STOP}${sql}`).then(
    () => new Error('the syntax check ran the migration: the division by zero did not fail'),
    (failure: unknown) => failure as PgError,
  );
  if ((error as PgError).code === '22012') return;
  const position = Number((error as PgError).position);
  const at = Number.isFinite(position) && position > STOP.length ? position - 1 - STOP.length : undefined;
  throw Object.assign(new UserError(`${file}: ${(error as Error).message}`, { cause: error }), { position: at });
}
