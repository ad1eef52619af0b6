import type pg from 'pg';
import { type ConnectionInfo, withClient } from '../database/connection/connection.js';
import { UserError } from '../errors.js';
import { quoteIdent, quoteLiteral } from '../lib/sql-quote.js';
import { type CopyLabel, copyName, type DatabaseCopy, formatLabel, listCopies, parseLabel } from './copy-labels.js';
import { strategyClause } from './copy-strategy.js';

// Making, swapping and dropping the copies of a project's databases; what a copy is and how it is
// labelled is in copy-labels.ts.

/** Ends every other session on a database; returns how many there were. */
export async function endConnections(client: pg.Client, database: string): Promise<number> {
  const { rows } = await client.query<{ ended: boolean }>(
    'select pg_terminate_backend(pid) as ended from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
    [database],
  );
  return rows.length;
}

export function isBusy(error: unknown): boolean {
  // 55006: "source database is being accessed by other users" (someone reconnected meanwhile).
  return (error as { code?: string }).code === '55006';
}

export function copyError(what: string, error: unknown): UserError {
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
 * Where a copy is made before it has its label: `create database` can't run in a transaction,
 * so an interrupt between it and the comment would leave an unlabelled database. Under this
 * name such a leftover blocks nothing, and the next copy to `target` (or tidyCopies) drops it.
 */
export function pendingName(target: string): string {
  return copyName(target, PENDING);
}

const PENDING = 'pending';

/**
 * Whether the database `name` (a pending name) is what an interrupted copy of this project left:
 * labelled for this project, or unlabelled and taking no connections. The one place where no label
 * is asked for: `create database` can't run in a transaction, so a copy killed before its comment
 * has none, and only under its pending name (`<target>__devup_pending`) is that ever the case.
 */
async function isLeftover(client: pg.Client, project: string, name: string): Promise<boolean> {
  const { rows } = await client.query<{ comment: string | null; datallowconn: boolean }>(
    `select shobj_description(oid, 'pg_database') as comment, datallowconn from pg_database where datname = $1`,
    [name],
  );
  const row = rows[0];
  if (!row) return false;
  if (row.comment === null) return !row.datallowconn;
  return parseLabel(row.comment)?.project === project;
}

/**
 * Makes a labelled copy at `target`: created (by `create`) under the pending name, labelled,
 * then renamed into place. A leftover of an earlier interrupted copy at the pending name goes
 * first. Any database already at `target` is refused: only a label says a database is devup's,
 * and the caller found none there (a name devup could have made is not proof that it did).
 * `what` names the copy in errors ("copy the database app to app__devup_template").
 */
async function makeLabelledCopy(
  client: pg.Client,
  target: string,
  label: CopyLabel,
  what: string,
  create: (name: string) => Promise<void>,
): Promise<void> {
  const pending = pendingName(target);
  if (await isLeftover(client, label.project, pending)) await dropDatabaseCopy(client, pending);
  if (await databaseExists(client, target)) {
    throw copyError(what, Object.assign(new Error(`database "${target}" already exists`), { code: '42P04' }));
  }
  await create(pending);
  try {
    // One transaction: the copy is either the unlabelled pending one or labelled in place.
    await client.query('begin');
    await client.query(`comment on database ${quoteIdent(pending)} is ${quoteLiteral(formatLabel(label))}`);
    await client.query(`alter database ${quoteIdent(pending)} rename to ${quoteIdent(target)}`);
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => {});
    await dropDatabaseCopy(client, pending).catch(() => {});
    throw copyError(what, error);
  }
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
  const what = `copy the database ${source} to ${target}`;
  const strategy = await strategyClause(client, label.shape);
  await makeLabelledCopy(client, target, label, what, async (name) => {
    for (let attempt = 1; ; attempt++) {
      ended += await endConnections(client, source);
      try {
        await client.query(
          `create database ${quoteIdent(name)} template ${quoteIdent(source)}${strategy} is_template true allow_connections false`,
        );
        return;
      } catch (error) {
        if (isBusy(error) && attempt < 5) continue;
        throw copyError(what, error);
      }
    }
  });
  return { ended };
}

/** Drops a copy found by listCopies (its label was checked there). */
export async function dropCopy(client: pg.Client, copy: DatabaseCopy): Promise<void> {
  await dropDatabaseCopy(client, copy.database);
}

export async function databaseExists(client: pg.Client, database: string): Promise<boolean> {
  const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [database]);
  return (rowCount ?? 0) > 0;
}

/** Drops a database known to be a copy of devup's (or its leftover), if it is still there. */
async function dropDatabaseCopy(client: pg.Client, database: string): Promise<void> {
  if (!(await databaseExists(client, database))) return;
  try {
    // A template database can't be dropped; a copy takes no connections, so nobody is in it.
    await client.query(`alter database ${quoteIdent(database)} is_template false`);
    await client.query(`drop database ${quoteIdent(database)} with (force)`);
  } catch (error) {
    throw copyError(`drop ${database}`, error);
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
  const label: CopyLabel = { ...copy.label, kind };
  const what = `copy ${copy.database} to ${target}`;
  const strategy = await strategyClause(client, copy.label.shape);
  await makeLabelledCopy(client, target, label, what, async (name) => {
    try {
      // Nobody may use it before it is renamed into place (swapIn allows connections again).
      await client.query(
        `create database ${quoteIdent(name)} template ${quoteIdent(copy.database)}${strategy} allow_connections false`,
      );
    } catch (error) {
      throw copyError(what, error);
    }
  });
  return { database: target, label };
}

/**
 * The work kept off a restore's path: drops the replaced databases, and clones each template
 * into a spare that the next reset renames into place (see checkpointCopies for what follows).
 */
export async function tidyCopies(client: pg.Client, project: string, sources: readonly string[]): Promise<void> {
  await dropPendingLeftovers(client, project, sources);
  const copies = await listCopies(client, project);
  for (const trash of copies.filter((c) => c.label.kind === 'trash')) await dropCopy(client, trash);
  for (const template of copies.filter((c) => c.label.kind === 'template')) {
    const spares = copies.filter((c) => c.label.kind === 'spare' && c.label.source === template.label.source);
    const current = spares.find((s) => s.label.createdAt === template.label.createdAt);
    for (const stale of spares.filter((s) => s !== current)) await dropCopy(client, stale);
    if (!current) await cloneCopy(client, template, copyName(template.label.source, 'spare'), 'spare');
  }
}

/**
 * Writes the new copies out, so that the next drop (which checkpoints) does not have to. Outside
 * the copy lock: at 2,000 relations it takes seconds, and a reset waiting on the lock for it took
 * 0.8–3.8 s instead of two renames. Needs superuser or pg_checkpoint; without it the server's own
 * checkpoint does the same later.
 */
export async function checkpointCopies(client: pg.Client): Promise<void> {
  await client.query('checkpoint').catch(() => {});
}

/**
 * Drops what interrupted copies of the project's databases left under their pending names and
 * nobody made again since (a snapshot never saved again under that name). Run under the copy lock:
 * no copy of this project is being made meanwhile.
 */
async function dropPendingLeftovers(client: pg.Client, project: string, sources: readonly string[]): Promise<void> {
  const { rows } = await client.query<{ datname: string }>(
    'select datname from pg_database where right(datname, $1) = $2',
    [`__devup_${PENDING}`.length, `__devup_${PENDING}`],
  );
  const ofProject = rows.filter(({ datname }) => sources.some((source) => datname.startsWith(`${source}__devup_`)));
  for (const { datname } of ofProject)
    if (await isLeftover(client, project, datname)) await dropDatabaseCopy(client, datname);
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
