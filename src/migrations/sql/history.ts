import type pg from 'pg';
import { quoteIdent, quoteLiteral } from '../../lib/sql-quote.js';
import type { Migration } from '../migration.js';

/** The history table devup keeps in every target schema. */
export const HISTORY_TABLE = 'devup_migrations';

export interface HistoryRow {
  version: bigint;
  name: string;
  checksum: string;
  appliedAt: Date;
  executionMs: number;
  success: boolean;
  transactional: boolean;
  /** "SQLSTATE: message" for a failed migration; "did not finish" for one interrupted outside a transaction. */
  error: string | null;
  /** For a failed no-transaction migration: the 1-based statement that failed. */
  statement: number | null;
  appliedBy: string;
}

export function historyTable(schema: string): string {
  return `${quoteIdent(schema)}.${HISTORY_TABLE}`;
}

/**
 * The schema, created only when missing: `create schema if not exists` asks for CREATE on the
 * database even when the schema is there, which a deploy's role that owns its schemas lacks.
 */
export async function createSchema(client: pg.Client, schema: string): Promise<void> {
  try {
    await client.query(createSchemaSql(schema));
  } catch (error) {
    // Another process created it between the check and the create.
    const code = (error as { code?: string }).code;
    if (code !== '23505' && code !== '42P06') throw error;
  }
}

export function createSchemaSql(schema: string): string {
  return `do $devup$ begin
  if not exists (select 1 from pg_namespace where nspname = ${quoteLiteral(schema)}) then
    create schema if not exists ${quoteIdent(schema)};
  end if;
end $devup$`;
}

export function createHistorySql(schema: string): string {
  return `${createSchemaSql(schema)};
create table if not exists ${historyTable(schema)} (
  version bigint primary key,
  name text not null,
  checksum text not null,
  applied_at timestamptz not null default now(),
  execution_ms integer not null default 0,
  success boolean not null,
  transactional boolean not null default true,
  error text,
  statement integer,
  applied_by text not null default current_user
);`;
}

/**
 * The columns a history row is read as, in order: both reads take them as a positional array (pg's
 * `rowMode: 'array'` for one schema, a JSON array for many), so one list and one converter serve.
 */
const COLUMNS = `version::text, name, checksum, applied_at, execution_ms, success, transactional, error, statement, applied_by`;

/** One history row as read: COLUMNS in order (applied_at a Date from pg, a string from JSON). */
type RowArray = [string, string, string, string | Date, number, boolean, boolean, string | null, number | null, string];

function toRow(a: RowArray): HistoryRow {
  return {
    version: BigInt(a[0]),
    name: a[1],
    checksum: a[2],
    appliedAt: new Date(a[3]),
    executionMs: a[4],
    success: a[5],
    transactional: a[6],
    error: a[7],
    statement: a[8],
    appliedBy: a[9],
  };
}

/** The history of one schema (inside the lock, where it must be exact). */
export async function readHistory(client: pg.Client, schema: string): Promise<HistoryRow[]> {
  const exists = await client.query<{ t: string | null }>('select to_regclass($1) as t', [
    `${quoteIdent(schema)}.${HISTORY_TABLE}`,
  ]);
  if (!exists.rows[0]?.t) return [];
  // Ordered by the table's bigint column (2 before 10), not the text form of it read here.
  const { rows } = await client.query<RowArray>({
    text: `select ${COLUMNS} from ${historyTable(schema)} order by ${HISTORY_TABLE}.version`,
    rowMode: 'array',
  });
  return rows.map(toRow);
}

/** The element text of query_to_xml's output comes back with &, <, > (and a raw \r) escaped. */
function unescapeXml(text: string): string {
  // Every entity starts with "&": without one (the usual history) the passes over megabytes are saved.
  if (!text.includes('&')) return text;
  return text
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&apos;', "'")
    .replaceAll('&#x0D;', '\r')
    .replaceAll('&amp;', '&');
}

/**
 * The history of many schemas in ONE round trip: the warm path's only query per database.
 * query_to_xml runs the per-schema query dynamically, and only where the table exists. Its XML
 * is cut apart here rather than by xpath() on the server: parsing megabytes of XML there was a
 * third of the query's time at 250 schemas. Rows are JSON arrays, not objects: no key repeated
 * 10,000 times. The JSON holds no "<" (escaped to &lt;), so the one <h> element's text lies
 * between the first "<h>" and the last "</h>".
 */
export async function readHistories(
  client: pg.Client,
  schemas: string[],
): Promise<Map<string, HistoryRow[] | undefined>> {
  const row = `json_build_array(${COLUMNS})`;
  const sql = `select s.schema,
  case when to_regclass(format('%I.${HISTORY_TABLE}', s.schema)) is null then null
  else query_to_xml(
    format('select coalesce(json_agg(${row} order by version), ''[]'') as h from %I.${HISTORY_TABLE}', s.schema),
    false, true, '')::text end as history
from unnest($1::text[]) as s(schema)`;
  const { rows } = await client.query<{ schema: string; history: string | null }>(sql, [schemas]);
  const result = new Map<string, HistoryRow[] | undefined>();
  for (const { schema, history } of rows) {
    if (history === null) {
      result.set(schema, undefined);
      continue;
    }
    const start = history.indexOf('<h>');
    const end = history.lastIndexOf('</h>');
    if (start < 0 || end < start) throw new Error(`the history of ${schema} came back in an unexpected form`);
    const text = history.slice(start + 3, end);
    result.set(schema, (JSON.parse(unescapeXml(text)) as RowArray[]).map(toRow));
  }
  return result;
}

// Writing the history: every statement that changes a history table is here.

/** A failed run of `migration` (or, outside a transaction, one that has started: "did not finish"). */
export async function recordFailure(
  client: pg.Client,
  schema: string,
  migration: Migration,
  row: Partial<HistoryRow>,
): Promise<void> {
  await client.query(
    `insert into ${historyTable(schema)} (version, name, checksum, execution_ms, success, transactional, error, statement)
     values ($1, $2, $3, $4, false, $5, $6, $7)
     on conflict (version) do update set name = excluded.name, checksum = excluded.checksum, applied_at = now(),
       execution_ms = excluded.execution_ms, success = false, transactional = excluded.transactional,
       error = excluded.error, statement = excluded.statement, applied_by = current_user`,
    [
      migration.version.toString(),
      migration.id,
      migration.checksum,
      row.executionMs ?? 0,
      row.transactional ?? true,
      row.error ?? null,
      row.statement ?? null,
    ],
  );
}

/**
 * The row of a migration applied in a transaction, run in that same transaction and the same round
 * trip as its SQL (so literals, no parameters). The server times the file: now() is the
 * transaction's start, clock_timestamp() the moment the row is written.
 */
export function recordAppliedSql(schema: string, migration: Migration): string {
  return `insert into ${historyTable(schema)} (version, name, checksum, execution_ms, success, transactional)
     values (${migration.version}, ${quoteLiteral(migration.id)}, ${quoteLiteral(migration.checksum)},
       round(extract(epoch from clock_timestamp() - now()) * 1000)::int, true, true)
     on conflict (version) do update set name = excluded.name, checksum = excluded.checksum, applied_at = now(),
       execution_ms = excluded.execution_ms, success = true, error = null, statement = null, applied_by = current_user`;
}

/** A no-transaction migration whose every statement ran: its "did not finish" row becomes a success. */
export async function recordFinished(
  client: pg.Client,
  schema: string,
  version: bigint,
  executionMs: number,
): Promise<void> {
  await client.query(
    `update ${historyTable(schema)} set success = true, error = null, statement = null, execution_ms = $2, applied_at = now() where version = $1`,
    [version.toString(), executionMs],
  );
}

/** Marks a migration applied without running it (`devup migrate baseline`). */
export async function recordBaseline(client: pg.Client, schema: string, migration: Migration): Promise<void> {
  await client.query(
    `insert into ${historyTable(schema)} (version, name, checksum, execution_ms, success, transactional, applied_by)
     values ($1, $2, $3, 0, true, $4, current_user || ' (baseline)')
     on conflict (version) do update set checksum = excluded.checksum, success = true, error = null, applied_by = excluded.applied_by`,
    [migration.version.toString(), migration.id, migration.checksum, !migration.up.noTransaction],
  );
}

/** How the error of a row whose down ran outside a transaction and did not complete begins. */
const ROLLBACK_MARK = 'rollback ';

/** Whether a row is a no-transaction down that did not complete: the migration is partly rolled back. */
export function isUnfinishedRollback(row: Pick<HistoryRow, 'success' | 'error'>): boolean {
  return !row.success && (row.error?.startsWith(ROLLBACK_MARK) ?? false);
}

/**
 * A no-transaction down that has started, or failed at `statement`: until it completes (and its
 * row is deleted) the migration counts as neither applied nor pending, as an unfinished up does.
 */
export async function recordRollbackUnfinished(
  client: pg.Client,
  schema: string,
  version: bigint,
  failure: { error: string; statement: number } | undefined,
): Promise<void> {
  const error = failure
    ? `${ROLLBACK_MARK}failed: ${failure.error}`
    : `${ROLLBACK_MARK}did not finish: started at ${new Date().toISOString()} by pid ${process.pid}`;
  await client.query(
    `update ${historyTable(schema)} set success = false, transactional = false, error = $2, statement = $3,
       applied_at = now(), applied_by = current_user where version = $1`,
    [version.toString(), error, failure?.statement ?? null],
  );
}

/** Forgets a rolled-back migration; run in the down's own transaction when it has one. */
export function deleteHistoryRowSql(schema: string, version: bigint): string {
  return `delete from ${historyTable(schema)} where version = ${version}`;
}

/** `devup migrate repair`: the file as it is now is the one that was applied. */
export async function acceptChecksum(
  client: pg.Client,
  schema: string,
  version: bigint,
  checksum: string | undefined,
): Promise<void> {
  await client.query(`update ${historyTable(schema)} set checksum = $2 where version = $1`, [
    version.toString(),
    checksum,
  ]);
}

/** `devup migrate repair`: forgets a failed run, so the migration runs again. */
export async function forgetFailedRun(client: pg.Client, schema: string, version: bigint): Promise<void> {
  await client.query(`delete from ${historyTable(schema)} where version = $1 and not success`, [version.toString()]);
}
