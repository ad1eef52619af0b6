import type pg from 'pg';
import { quoteIdent, quoteLiteral } from '../../lib/sql-quote.js';
import type { HistorySpec, ToolHistoryRow } from './tool-adapter.js';

/** What the database says about one target, read in one round trip. */
export interface TargetState {
  /** Cluster, database and schema identity (see identitySql). */
  identity: string;
  /** The tool's history rows; undefined when its table does not exist (never applied). */
  rows: ToolHistoryRow[] | undefined;
}

// pg_control_system() names the cluster (a new initdb gets a new identifier); where a hosted
// Postgres refuses it, the database and schema oids still change when they are re-created.
let systemIdentifier = true;

function identitySql(schema: string): string {
  // devup.cluster_id: set in every copy of a cached cluster (cluster-copy.ts), whose copies share
  // the system identifier and OID counter; absent elsewhere, leaving the identity as it was.
  const copy = "coalesce('/' || nullif(current_setting('devup.cluster_id', true), ''), '')";
  const cluster = systemIdentifier ? `(select system_identifier::text from pg_control_system()) || ${copy}` : "'-'";
  return `select ${cluster} || ':' || (select oid::text from pg_database where datname = current_database()) || ':' || coalesce((select oid::text from pg_namespace where nspname = ${quoteLiteral(schema)}), '-') as identity`;
}

/** The same identity for a database now known by another oid (a clone of a template keeps the schema oids). */
export function identityInDatabase(identity: string, databaseOid: string): string | undefined {
  const parts = identity.split(':');
  if (parts.length !== 3) return undefined;
  return `${parts[0]}:${databaseOid}:${parts[2]}`;
}

export function historySql(schema: string, spec: HistorySpec): string {
  return [
    `select ${spec.columns} from ${quoteIdent(schema)}.${quoteIdent(spec.table)}`,
    spec.where ? `where ${spec.where}` : '',
    spec.orderBy ? `order by ${spec.orderBy}` : '',
  ]
    .filter(Boolean)
    .join(' ');
}

const MISSING = new Set([
  '42P01', // undefined_table
  '3F000', // invalid_schema_name
]);

function toRow(raw: Record<string, unknown>): ToolHistoryRow {
  const row: ToolHistoryRow = {};
  for (const [key, value] of Object.entries(raw))
    row[key] = value === null || value === undefined ? null : String(value);
  return row;
}

/**
 * Reads the identity and the history rows with one simple-protocol query (two statements, no
 * parameters). A missing table or schema is an answer, not an error: nothing was applied yet.
 */
export async function readTargetState(
  client: pg.Client,
  schema: string,
  history: HistorySpec | undefined,
): Promise<TargetState> {
  const text = history ? `${identitySql(schema)}; ${historySql(schema, history)}` : identitySql(schema);
  let results: pg.QueryResult | pg.QueryResult[];
  try {
    results = (await client.query(text)) as pg.QueryResult | pg.QueryResult[];
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (history && code !== undefined && MISSING.has(code)) {
      // Not applied yet, whatever the identity: the tool runs, and the identity is read after it.
      return { identity: '', rows: undefined };
    }
    if (systemIdentifier && (code === '42501' || code === '42883')) {
      systemIdentifier = false;
      return readTargetState(client, schema, history);
    }
    throw error;
  }
  const list = Array.isArray(results) ? results : [results];
  const identity = String((list[0]?.rows[0] as { identity?: unknown } | undefined)?.identity ?? '');
  const rows = history ? (list[1]?.rows ?? []).map((r) => toRow(r as Record<string, unknown>)) : undefined;
  return { identity, rows };
}
