import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../../errors.js';
import { maskSecret } from '../../lib/secret-mask.js';
import { quoteIdent, quoteLiteral } from '../../lib/sql-quote.js';
import type { Binaries } from './binaries.js';
import type { EmbeddedCluster } from './cluster.js';
import { cacheKey, clusterCacheRoot, ensureCachedCluster, entryName, SPARE_DATABASE } from './cluster-cache.js';
import { touchEntry, useCacheEntry } from './cluster-cache-uses.js';
import { copyDirectory, runSingleUser } from './cluster-process.js';
import type { ServerUserIds } from './server-user.js';

/** The setting naming one copy: every copy of a cache shares pg_control's system identifier. */
export const CLUSTER_ID_SETTING = 'devup.cluster_id';

/**
 * Makes `cluster.dataDir` a copy of the cached cluster for its superuser (made first if missing),
 * gives it an id of its own and sets the superuser's real password, all before any server runs on it.
 * `cluster.dataDir` must not exist yet.
 */
export async function copyCachedCluster(
  cluster: EmbeddedCluster,
  bins: Binaries,
  ids: ServerUserIds | undefined,
): Promise<void> {
  const { db, dataDir } = cluster;
  const key = cacheKey(bins, db.user, ids);
  // Held while the entry is made or copied: a devup pruning stale entries leaves it alone.
  const use = await useCacheEntry(clusterCacheRoot(), entryName(key));
  try {
    const cached = await ensureCachedCluster(bins, key, ids);
    touchEntry(path.dirname(cached.dataDir));
    await copyDirectory(cached.dataDir, dataDir);
  } finally {
    use.release();
  }
  // Read by tool-history's identity: a re-made cluster (same system identifier, same OID counter,
  // so the same database and schema oids) must not pass for the one a fingerprint was taken on.
  appendFileSync(
    path.join(dataDir, 'postgresql.auto.conf'),
    `${CLUSTER_ID_SETTING} = '${randomBytes(12).toString('hex')}'\n`,
  );
  const sql = [`alter role ${quoteIdent(db.user)} password ${quoteLiteral(db.password)}`, mainDatabaseSql(db.database)];
  const result = await runSingleUser(bins, dataDir, sql.join(';\n\n'), ids);
  if (result.code === 0 && !/\bERROR:/.test(result.output)) return;
  throw new UserError(`could not set the password of the copied embedded cluster in ${db.dataDir}`, {
    details: maskSecret(result.output, db.password).trim().split('\n').slice(-15),
    hint: 'Run again; if it persists, remove the cluster cache (~/.cache/devup/clusters).',
  });
}

/** The spare database becomes the main one, unless that is one initdb made. */
function mainDatabaseSql(database: string): string {
  if (['postgres', 'template0', 'template1'].includes(database)) return `drop database ${SPARE_DATABASE}`;
  return `alter database ${SPARE_DATABASE} rename to ${quoteIdent(database)}`;
}

/** Whether a password can go through single-user mode's input (a blank line would end the statement early). */
export function copyablePassword(password: string): boolean {
  return !/[\r\n]/.test(password);
}
