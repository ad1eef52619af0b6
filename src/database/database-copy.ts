import { createHash } from 'node:crypto';
import type pg from 'pg';
import { UserError } from '../errors.js';
import { quoteIdent, quoteLiteral } from '../migrations/history.js';
import { type ConnectionInfo, withClient } from './connection.js';

/**
 * Copies of a project's databases that devup keeps on the same server: one template per
 * database (what `reset` restores) and named snapshots. Each carries a label in its database
 * comment; devup only ever drops a copy whose label names this project.
 */
export type CopyKind = 'template' | 'snapshot' | 'incoming';

export interface CopyLabel {
  project: string;
  kind: CopyKind;
  /** The project database this is a copy of. */
  source: string;
  /** The snapshot's name (kind snapshot). */
  name?: string;
  createdAt: string;
  /** What built it: per part (config, each service's migrations and seeds), a hash. */
  fingerprint: Record<string, string>;
  /** Per target schema at the time of the copy: how many migrations were applied, and the last. */
  migrations?: Record<string, { count: number; last: string | undefined }>;
}

export interface DatabaseCopy {
  database: string;
  label: CopyLabel;
  /** Bytes on disk, when asked for. */
  size?: number;
}

const PREFIX = 'devup:';
/** Postgres cuts identifiers at 63 bytes without a word: longer names are shortened with a hash. */
const MAX_IDENTIFIER = 63;

/** The name of a copy: `<source>__devup_<suffix>`, shortened (with a hash) to fit an identifier. */
export function copyName(source: string, suffix: string): string {
  const full = `${source}__devup_${suffix}`;
  if (Buffer.byteLength(full) <= MAX_IDENTIFIER) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 10);
  const tail = `_${hash}__devup_${suffix}`.slice(0, 40);
  let head = source;
  while (Buffer.byteLength(head + tail) > MAX_IDENTIFIER) head = head.slice(0, -1);
  return head + tail;
}

export function formatLabel(label: CopyLabel): string {
  return PREFIX + JSON.stringify(label);
}

/** The label in a database comment, or undefined when the comment is not devup's. */
export function parseLabel(comment: string | null | undefined): CopyLabel | undefined {
  if (!comment?.startsWith(PREFIX)) return undefined;
  try {
    const label = JSON.parse(comment.slice(PREFIX.length)) as CopyLabel;
    return typeof label.project === 'string' && typeof label.source === 'string' && typeof label.kind === 'string'
      ? label
      : undefined;
  } catch {
    return undefined;
  }
}

/** Every copy of this project's databases on the server (sizes read only when asked: it costs a stat per file). */
export async function listCopies(
  client: pg.Client,
  project: string,
  options: { sizes?: boolean } = {},
): Promise<DatabaseCopy[]> {
  const { rows } = await client.query<{ datname: string; comment: string; size: string | null }>(
    `select datname, shobj_description(oid, 'pg_database') as comment,
            ${options.sizes ? 'pg_database_size(oid)::text' : 'null'} as size
       from pg_database
      where shobj_description(oid, 'pg_database') like 'devup:%'
      order by datname`,
  );
  const copies: DatabaseCopy[] = [];
  for (const row of rows) {
    const label = parseLabel(row.comment);
    if (label?.project !== project) continue;
    copies.push({ database: row.datname, label, ...(row.size === null ? {} : { size: Number(row.size) }) });
  }
  return copies;
}

/** Ends every other session on a database; returns how many there were. */
export async function endConnections(client: pg.Client, database: string): Promise<number> {
  const { rows } = await client.query<{ ended: boolean }>(
    'select pg_terminate_backend(pid) as ended from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
    [database],
  );
  return rows.length;
}

function isBusy(error: unknown): boolean {
  // 55006: "source database is being accessed by other users" (someone reconnected meanwhile).
  return (error as { code?: string }).code === '55006';
}

function copyError(what: string, error: unknown): UserError {
  const code = (error as { code?: string }).code;
  return new UserError(`cannot ${what}: ${(error as Error).message}`, {
    hint:
      code === '42501'
        ? 'The database user needs the CREATEDB privilege (and to own the databases) to copy them.'
        : code === '55006'
          ? 'Something keeps reconnecting to it; stop that client and run again.'
          : 'Check the server log and the free disk space.',
    cause: error,
  });
}

/**
 * `create database <target> template <source>`: the source must have no other session, so its
 * sessions are ended first (again, if a client reconnects in between). The copy accepts no
 * connections: nothing can change it, and it can always serve as a template.
 */
export async function copyDatabase(
  client: pg.Client,
  source: string,
  target: string,
  label: CopyLabel,
): Promise<{ ended: number }> {
  let ended = 0;
  for (let attempt = 1; ; attempt++) {
    ended += await endConnections(client, source);
    try {
      await client.query(
        `create database ${quoteIdent(target)} template ${quoteIdent(source)} is_template true allow_connections false`,
      );
      break;
    } catch (error) {
      if (isBusy(error) && attempt < 5) continue;
      throw copyError(`copy the database ${source} to ${target}`, error);
    }
  }
  await client.query(`comment on database ${quoteIdent(target)} is ${quoteLiteral(formatLabel(label))}`);
  return { ended };
}

/** Drops a copy found by listCopies (its label was checked there). */
export async function dropCopy(client: pg.Client, copy: DatabaseCopy): Promise<void> {
  const exists = await client.query('select 1 from pg_database where datname = $1', [copy.database]);
  if (!exists.rowCount) return;
  try {
    // A template database can't be dropped; a copy takes no connections, so nobody is in it.
    await client.query(`alter database ${quoteIdent(copy.database)} is_template false`);
    await client.query(`drop database ${quoteIdent(copy.database)}`);
  } catch (error) {
    throw copyError(`drop ${copy.database}`, error);
  }
}

/** Drops a database, ending its sessions (a service's pool) in the same step. */
export async function dropDatabaseNow(client: pg.Client, database: string): Promise<void> {
  try {
    await client.query(`drop database if exists ${quoteIdent(database)} with (force)`);
  } catch (error) {
    throw copyError(`drop the database ${database}`, error);
  }
}

/**
 * Replaces a live database with a fresh clone of a copy. The clone is made under another name
 * first, so the live database is gone only for the instant between the drop and the rename.
 */
export async function replaceFromCopy(
  client: pg.Client,
  project: string,
  live: string,
  copy: DatabaseCopy,
): Promise<{ ended: number }> {
  const incoming = copyName(live, 'incoming');
  // One left by an interrupted restore is ours (its label says so); anything else of that name is not.
  const leftover = (await listCopies(client, project)).find((c) => c.database === incoming);
  if (leftover) await dropCopy(client, leftover);
  try {
    await client.query(`create database ${quoteIdent(incoming)} template ${quoteIdent(copy.database)}`);
  } catch (error) {
    throw copyError(`copy ${copy.database} to ${incoming}`, error);
  }
  const mark: CopyLabel = { ...copy.label, kind: 'incoming', source: live, createdAt: new Date().toISOString() };
  await client.query(`comment on database ${quoteIdent(incoming)} is ${quoteLiteral(formatLabel(mark))}`);
  const { rows } = await client.query<{ n: string }>(
    'select count(*)::text as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
    [live],
  );
  try {
    await dropDatabaseNow(client, live);
    await client.query(`alter database ${quoteIdent(incoming)} rename to ${quoteIdent(live)}`);
    await client.query(`comment on database ${quoteIdent(live)} is null`);
  } catch (error) {
    throw error instanceof UserError ? error : copyError(`replace the database ${live}`, error);
  }
  return { ended: Number(rows[0]?.n ?? 0) };
}

/**
 * Runs `fn` on a connection to a maintenance database: a database can't be dropped or copied
 * from inside it, so `postgres` serves unless it is one of those being copied (then template1).
 */
export function withMaintenanceClient<T>(
  admin: ConnectionInfo,
  databases: readonly string[],
  fn: (client: pg.Client) => Promise<T>,
): Promise<T> {
  return withClient(admin, fn, { database: databases.includes('postgres') ? 'template1' : 'postgres' });
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GB`;
}
