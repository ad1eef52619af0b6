import { createHash } from 'node:crypto';
import type pg from 'pg';
import { UserError } from '../errors.js';
import { quoteIdent, quoteLiteral } from '../lib/sql-quote.js';
import { type ConnectionInfo, withClient } from './connection.js';

/**
 * Copies of a project's databases that devup keeps on the same server: one template per
 * database (what `reset` restores) and named snapshots. Each carries a label in its database
 * comment; devup only ever drops a copy whose label names this project.
 */
export type CopyKind = 'template' | 'snapshot' | 'spare' | 'incoming' | 'trash';

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
          : code === '42P04'
            ? 'A database of that name exists that devup did not label as its own, so devup leaves it alone: rename or drop it yourself.'
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
    await client.query(`drop database ${quoteIdent(copy.database)} with (force)`);
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

/** Clones a copy under a new name: a spare for the next reset, or the incoming side of a restore. */
export async function cloneCopy(
  client: pg.Client,
  copy: DatabaseCopy,
  target: string,
  kind: 'spare' | 'incoming',
): Promise<DatabaseCopy> {
  try {
    // Nobody may use it before it is renamed into place (swapIn allows connections again).
    await client.query(
      `create database ${quoteIdent(target)} template ${quoteIdent(copy.database)} allow_connections false`,
    );
  } catch (error) {
    throw copyError(`copy ${copy.database} to ${target}`, error);
  }
  const label: CopyLabel = { ...copy.label, kind };
  await client.query(`comment on database ${quoteIdent(target)} is ${quoteLiteral(formatLabel(label))}`);
  return { database: target, label };
}

/**
 * Puts `replacement` (a clone nobody uses) in place of the live database with two renames, once
 * the live database's sessions are ended. The old one is left behind labelled `trash` for
 * tidyCopies: dropping a database makes Postgres checkpoint, most of what a restore would cost.
 */
export async function swapIn(
  client: pg.Client,
  project: string,
  live: string,
  replacement: DatabaseCopy,
): Promise<{ ended: number }> {
  const exists = await client.query('select 1 from pg_database where datname = $1', [live]);
  let ended = 0;
  if (exists.rowCount) {
    const trash = copyName(live, `trash_${Date.now().toString(36)}`);
    for (let attempt = 1; ; attempt++) {
      ended += await endConnections(client, live);
      try {
        await client.query(`alter database ${quoteIdent(live)} rename to ${quoteIdent(trash)}`);
        break;
      } catch (error) {
        if (isBusy(error) && attempt < 5) continue;
        throw copyError(`replace the database ${live}`, error);
      }
    }
    const label: CopyLabel = {
      project,
      kind: 'trash',
      source: live,
      createdAt: new Date().toISOString(),
      fingerprint: {},
    };
    await client.query(`alter database ${quoteIdent(trash)} allow_connections false`);
    await client.query(`comment on database ${quoteIdent(trash)} is ${quoteLiteral(formatLabel(label))}`);
  }
  try {
    await client.query(`alter database ${quoteIdent(replacement.database)} rename to ${quoteIdent(live)}`);
    await client.query(`alter database ${quoteIdent(live)} allow_connections true`);
    await client.query(`comment on database ${quoteIdent(live)} is null`);
  } catch (error) {
    throw copyError(`rename ${replacement.database} to ${live}`, error);
  }
  return { ended };
}

/** Replaces a live database with a fresh clone of a copy (the clone is made first, under another name). */
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
  const clone = await cloneCopy(client, copy, incoming, 'incoming');
  return swapIn(client, project, live, clone);
}

/**
 * The work kept off a restore's path: drops the replaced databases, and clones each template
 * into a spare that the next reset renames into place. A checkpoint then writes the clones out,
 * so that the next drop does not have to.
 */
export async function tidyCopies(client: pg.Client, project: string): Promise<void> {
  const copies = await listCopies(client, project);
  for (const trash of copies.filter((c) => c.label.kind === 'trash')) await dropCopy(client, trash);
  for (const template of copies.filter((c) => c.label.kind === 'template')) {
    const spares = copies.filter((c) => c.label.kind === 'spare' && c.label.source === template.label.source);
    const current = spares.find((s) => s.label.createdAt === template.label.createdAt);
    for (const stale of spares.filter((s) => s !== current)) await dropCopy(client, stale);
    if (!current) await cloneCopy(client, template, copyName(template.label.source, 'spare'), 'spare');
  }
  // Needs superuser or pg_checkpoint; without it the server's own checkpoint does the same later.
  await client.query('checkpoint').catch(() => {});
}

/** Serialises the commands that copy, swap and tidy one project's databases. */
export async function withCopyLock<T>(client: pg.Client, project: string, fn: () => Promise<T>): Promise<T> {
  await client.query("select pg_advisory_lock(hashtext('devup-copies:' || $1))", [project]);
  try {
    return await fn();
  } finally {
    await client.query("select pg_advisory_unlock(hashtext('devup-copies:' || $1))", [project]).catch(() => {});
  }
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
