import type pg from 'pg';
import { quoteIdent, quoteLiteral } from '../lib/sql-quote.js';
import { type CopyLabel, copyName, type DatabaseCopy, formatLabel, listCopies } from './copy-labels.js';
import { cloneCopy, copyError, dropCopy, endConnections, isBusy } from './database-copy.js';

/** One live database and the clone (nobody uses it) that takes its place. */
export interface Swap {
  live: string;
  replacement: DatabaseCopy;
}

/**
 * Clones `copy` under the incoming name of `live`, the first half of replacing it. One left by an
 * interrupted restore is ours (its label says so) and goes first; anything else of that name is not.
 */
export async function cloneIncoming(
  client: pg.Client,
  project: string,
  live: string,
  copy: DatabaseCopy,
): Promise<DatabaseCopy> {
  const incoming = copyName(live, 'incoming');
  const leftover = (await listCopies(client, project)).find((c) => c.database === incoming);
  if (leftover) await dropCopy(client, leftover);
  return cloneCopy(client, copy, incoming, 'incoming');
}

/**
 * The first half of replacing several databases: a clone of each copy under its live database's
 * incoming name. A failure midway drops the clones already made (nothing was replaced yet).
 */
export async function cloneAllIncoming(
  client: pg.Client,
  project: string,
  sources: readonly { live: string; copy: DatabaseCopy }[],
): Promise<Swap[]> {
  const swaps: Swap[] = [];
  try {
    for (const { live, copy } of sources) {
      swaps.push({ live, replacement: await cloneIncoming(client, project, live, copy) });
    }
  } catch (error) {
    for (const { replacement } of swaps) await dropCopy(client, replacement).catch(() => {});
    throw error;
  }
  return swaps;
}

/**
 * Puts every replacement in place of its live database with renames in one transaction, once the
 * live databases' sessions are ended: interrupted anywhere, either all of them were replaced or
 * none was (never one database from the copy and another from before). The old ones are left
 * behind labelled `trash` for tidyCopies: dropping a database makes Postgres checkpoint, most of
 * what a restore would cost.
 */
export async function swapIn(client: pg.Client, project: string, swaps: readonly Swap[]): Promise<{ ended: number }> {
  const { rows } = await client.query<{ datname: string }>('select datname from pg_database where datname = any($1)', [
    swaps.map((s) => s.live),
  ]);
  const existing = new Set(rows.map((r) => r.datname));
  const stamp = Date.now().toString(36);
  const trashLabel = (live: string): CopyLabel => ({
    project,
    kind: 'trash',
    source: live,
    createdAt: new Date().toISOString(),
    fingerprint: {},
  });
  let ended = 0;
  for (let attempt = 1; ; attempt++) {
    for (const live of existing) ended += await endConnections(client, live);
    try {
      // New sessions wait for the commit on each database's lock.
      await client.query('begin');
      for (const { live, replacement } of swaps) {
        if (existing.has(live)) {
          const trash = copyName(live, `trash_${stamp}`);
          await client.query(`alter database ${quoteIdent(live)} rename to ${quoteIdent(trash)}`);
          await client.query(`alter database ${quoteIdent(trash)} allow_connections false`);
          await client.query(
            `comment on database ${quoteIdent(trash)} is ${quoteLiteral(formatLabel(trashLabel(live)))}`,
          );
        }
        await client.query(`alter database ${quoteIdent(replacement.database)} rename to ${quoteIdent(live)}`);
        await client.query(`alter database ${quoteIdent(live)} allow_connections true`);
        await client.query(`comment on database ${quoteIdent(live)} is null`);
      }
      await client.query('commit');
      return { ended };
    } catch (error) {
      await client.query('rollback').catch(() => {});
      if (isBusy(error) && attempt < 5) continue;
      const names = swaps.map((s) => s.live).join(', ');
      throw copyError(`replace the database${swaps.length === 1 ? '' : 's'} ${names}`, error);
    }
  }
}
