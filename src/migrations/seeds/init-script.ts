import type pg from 'pg';
import { type ConnectionInfo, isMissingDatabase, isPgError, withClient } from '../../database/connection/connection.js';
import { UserError } from '../../errors.js';
import { quoteIdent } from '../../lib/sql-quote.js';
import { describePgError, failureFrame } from '../sql/error-frame.js';
import { type Statement, splitStatements } from '../sql/split.js';
import { errorOffset, queryError, runInSchemaTransaction, runStatementsInSchema } from '../sql/sql-executor.js';
import { lineOf, type PsqlSection, readPsqlScript } from './psql-script.js';

/** Statements Postgres refuses inside a transaction block (25001) whatever their options. */
const NO_TRANSACTION = new Set([
  'CreatedbStmt',
  'DropdbStmt',
  'CreateTableSpaceStmt',
  'DropTableSpaceStmt',
  'AlterSystemStmt',
  'CreateSubscriptionStmt',
  'DropSubscriptionStmt',
]);

/** Whether a parsed statement must run on its own, as psql's autocommit would send it. */
export function runsOutsideTransaction(tree: Statement['tree']): boolean {
  const [kind, node] = Object.entries(tree ?? {})[0] ?? [];
  if (kind === undefined || node === undefined) return false;
  if (NO_TRANSACTION.has(kind)) return true;
  if (kind === 'IndexStmt' || kind === 'DropStmt') return node.concurrent === true; // … CONCURRENTLY
  if (kind === 'VacuumStmt') return node.is_vacuumcmd === true; // VACUUM (ANALYZE alone may run in one)
  if (kind === 'ReindexStmt') return JSON.stringify(node.params ?? []).includes('"concurrently"');
  return false;
}

export interface InitFile {
  path: string;
  /** Relative to the project root: its name in messages and in the record table. */
  name: string;
  /** As written, line endings normalised. */
  text: string;
}

/** Consecutive statements of one section that run together: in one transaction, or one alone outside any. */
interface Step {
  statements: Statement[];
  transaction: boolean;
}

/** Runs of transactional statements, each statement that cannot run in a transaction on its own. */
function stepsOf(statements: Statement[]): Step[] {
  const steps: Step[] = [];
  for (const statement of statements) {
    const transaction = !runsOutsideTransaction(statement.tree);
    const last = steps.at(-1);
    if (transaction && last?.transaction) last.statements.push(statement);
    else steps.push({ statements: [statement], transaction });
  }
  return steps;
}

/** What the run has done so far, to undo it or name it when a later statement fails. */
interface Progress {
  /** Databases this run created: dropped again on a failure (they hold only what the file put there). */
  created: string[];
  /** Work committed that cannot be undone, as "lines 1–4 in database app". */
  kept: string[];
}

/**
 * Runs an init file as the Postgres image runs `docker-entrypoint-initdb.d/*.sql` through psql:
 * starting in the main database, following `\c DB` to the sections after it, each statement that
 * cannot run in a transaction (CREATE DATABASE …) on its own, and the statements between them in
 * one transaction each, through the one SQL executor. `record` (the row saying the file ran) goes
 * into the main database with the last statements there, or after the file when it ended elsewhere.
 */
export async function runInitScript(main: pg.Client, admin: ConnectionInfo, file: InitFile, record: string) {
  const sections = readPsqlScript(file.text, file.name);
  const progress: Progress = { created: [], kept: [] };
  const endsInMain = sections.at(-1)?.database === undefined;
  try {
    for (const [index, section] of sections.entries()) {
      const finish = endsInMain && index === sections.length - 1 ? record : undefined;
      if (section.database === undefined) await runSection(main, section, file, progress, finish);
      else await inDatabase(admin, section, file, (client) => runSection(client, section, file, progress, undefined));
    }
    if (!endsInMain || sections.length === 0) await main.query(record);
  } catch (error) {
    for (const database of progress.created.reverse()) {
      await main.query(`drop database if exists ${quoteIdent(database)}`).catch(() => {});
    }
    if (error instanceof InitStatementError) throw initFailure(file, error, progress);
    throw error;
  }
}

async function inDatabase(
  admin: ConnectionInfo,
  section: PsqlSection,
  file: InitFile,
  fn: (client: pg.Client) => Promise<void>,
): Promise<void> {
  const database = section.database as string;
  try {
    await withClient(admin, fn, { database });
  } catch (error) {
    if (!isMissingDatabase(error)) throw error;
    const line = lineOf(file.text, Math.max(0, section.offset - 1));
    throw new UserError(`${file.name}:${line}: \\c ${database}: there is no database "${database}" yet`, {
      hint: `Create it earlier in the file (CREATE DATABASE ${quoteIdent(database)};), or correct the name.`,
      cause: error,
    });
  }
}

/** A statement of the file failed: where (a character index in the file), in which database, and why. */
class InitStatementError extends Error {
  constructor(
    readonly error: unknown,
    readonly index: number | undefined,
    readonly database: string,
  ) {
    super('init statement failed');
  }
}

async function runSection(
  client: pg.Client,
  section: PsqlSection,
  file: InitFile,
  progress: Progress,
  finish: string | undefined,
): Promise<void> {
  const database = String(client.database);
  let statements: Statement[];
  try {
    statements = await splitStatements(section.sql, file.name);
  } catch (error) {
    // A syntax error: the parser's position, in the file.
    const position = (error as { position?: number }).position;
    throw new InitStatementError(error, position === undefined ? undefined : section.offset + position, database);
  }
  const steps = stepsOf(statements.map((s) => ({ ...s, offset: section.offset + s.offset })));
  for (const [index, step] of steps.entries()) {
    const last = index === steps.length - 1;
    await runStep(client, step, file, last ? finish : undefined);
    const first = step.statements[0] as Statement;
    const lastStatement = step.statements.at(-1) as Statement;
    const created = first.tree?.CreatedbStmt?.dbname;
    if (typeof created === 'string') progress.created.push(created);
    else {
      const [from, to] = [lineOf(file.text, first.offset), lineOf(file.text, lastStatement.offset)];
      progress.kept.push(`${from === to ? `line ${from}` : `lines ${from}–${to}`} in database "${database}"`);
    }
  }
  // Only a file that ends here without statements still owes its record.
  if (steps.length === 0 && finish !== undefined) await client.query(finish);
}

async function runStep(client: pg.Client, step: Step, file: InitFile, finish: string | undefined): Promise<void> {
  const database = String(client.database);
  const first = step.statements[0] as Statement;
  if (step.transaction) {
    const last = step.statements.at(-1) as Statement;
    const text = file.text.slice(first.offset, last.offset + last.sql.length);
    const failed = await runInSchemaTransaction(
      client,
      'public',
      { text, toOriginal: (i) => first.offset + i },
      finish,
    );
    if (failed) throw new InitStatementError(failed.error, failed.index, database);
    return;
  }
  const failed = await runStatementsInSchema(client, 'public', [first], (statement) => queryError(client, statement));
  if (failed) throw new InitStatementError(failed.failure, errorOffset(first, failed.failure), database);
  if (finish !== undefined) await client.query(finish);
}

function initFailure(file: InitFile, failed: InitStatementError, progress: Progress): UserError {
  const dropped =
    progress.created.length === 0
      ? ''
      : ` The databases it created (${progress.created.join(', ')}) were dropped again.`;
  const hint =
    progress.kept.length === 0
      ? `Fix the file; nothing of it was kept, and it runs again before the next migration.${dropped}`
      : `Fix the file; it runs again from the top before the next migration. Already committed (before a \\c, or outside a transaction): ${progress.kept.join(', ')}: undo that first, or write those statements so that they can run twice (IF NOT EXISTS).${dropped}`;
  const cause = failed.error;
  return new UserError(`database.init file ${file.name} failed in database "${failed.database}"`, {
    details: [
      ...failureFrame(file.path, file.text, failed.index),
      ...(isPgError(cause) ? describePgError(cause) : [cause instanceof Error ? cause.message : String(cause)]),
    ],
    hint,
    cause,
  });
}
