import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../../errors.js';
import { connect } from '../connection/connection.js';
import { type Binaries, binariesVersion } from './binaries.js';
import { copyDirectory, initdbArgs, runInitdb, runPgCtl } from './cluster-process.js';
import type { ServerUserIds } from './server-user.js';

/**
 * An initialised cluster kept in the user's cache directory, one per (binaries version, superuser,
 * initdb settings, server user): the same bytes initdb would write, copied instead of re-made.
 */
export interface CachedCluster {
  /** The cluster to copy (never started, never written to after it was made). */
  dataDir: string;
  /** The superuser's password in the cached cluster (random, from a 0600 file). */
  password: string;
}

/** What decides the cached bytes: any change is another entry, never a shared one. */
export interface CacheKey {
  /** What devup puts in the cluster beyond initdb (the spare database): bumped when that changes. */
  layout: number;
  version: string;
  user: string;
  initdb: string[];
  serverUid: number | undefined;
}

interface Manifest {
  version: 1;
  key: CacheKey;
  /** Every file's size, by path relative to the cluster. */
  sizes: Record<string, number>;
  /** sha256 of every file that is not relation data or WAL (control file, settings, maps). */
  hashes: Record<string, string>;
  createdAt: string;
}

const MANIFEST = 'manifest.json';
const PASSWORD = 'password';

/** $XDG_CACHE_HOME/devup/clusters, else ~/.cache/devup/clusters. */
export function clusterCacheRoot(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'devup', 'clusters');
}

export function cacheKey(bins: Binaries, user: string, ids: ServerUserIds | undefined): CacheKey {
  return { layout: 1, version: binariesVersion(bins), user, initdb: initdbArgs('', user, ''), serverUid: ids?.uid };
}

/**
 * A database made in the cached cluster, so that a copy's main database is a rename (instant)
 * rather than a CREATE DATABASE (hundreds of files written) on every throwaway.
 */
export const SPARE_DATABASE = 'devup_spare_main';

/** The entry's directory name in the cache root. */
export function entryName(key: CacheKey): string {
  const digest = createHash('sha256').update(JSON.stringify(key)).digest('hex').slice(0, 16);
  return `pg${Number.parseInt(key.version, 10)}-${digest}`;
}

/** The valid cached cluster for `key`, made first when there is none (or it is damaged). */
export async function ensureCachedCluster(
  bins: Binaries,
  key: CacheKey,
  ids: ServerUserIds | undefined,
): Promise<CachedCluster> {
  const root = clusterCacheRoot();
  const entry = path.join(root, entryName(key));
  const found = readValidEntry(entry, key);
  if (found) return found;
  if (existsSync(entry)) discard(root, entry); // damaged or of other settings: replaced, never trusted
  await buildEntry(root, entry, bins, key, ids);
  const built = readValidEntry(entry, key);
  if (!built) {
    throw new UserError(`the cached Postgres cluster in ${entry} is not valid right after it was made`, {
      hint: `Remove ${root} and run again.`,
    });
  }
  return built;
}

/** The entry if its manifest matches the key and the files on disk (list, sizes, small files' hashes). */
export function readValidEntry(entry: string, key: CacheKey): CachedCluster | undefined {
  let manifest: Manifest;
  let password: string;
  try {
    manifest = JSON.parse(readFileSync(path.join(entry, MANIFEST), 'utf8')) as Manifest;
    password = readFileSync(path.join(entry, PASSWORD), 'utf8').trim();
  } catch {
    return undefined;
  }
  if (manifest.version !== 1 || JSON.stringify(manifest.key) !== JSON.stringify(key) || password === '')
    return undefined;
  const dataDir = path.join(entry, 'data');
  const current = describeFiles(dataDir);
  if (!current || !sameRecord(current.sizes, manifest.sizes) || !sameRecord(current.hashes, manifest.hashes))
    return undefined;
  return { dataDir, password };
}

function sameRecord(a: Record<string, unknown>, b: Record<string, unknown> | undefined): boolean {
  if (!b) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => a[k] === b[k]);
}

// Relation files and WAL are large and checked by Postgres itself (page checksums, record CRCs);
// everything else (pg_control, settings, filenode maps, PG_VERSION) is hashed.
const UNHASHED = /^(base\/|pg_wal\/|global\/\d)/;

function describeFiles(dataDir: string): Pick<Manifest, 'sizes' | 'hashes'> | undefined {
  const sizes: Record<string, number> = {};
  const hashes: Record<string, string> = {};
  let names: string[];
  try {
    names = readdirSync(dataDir, { recursive: true, encoding: 'utf8' });
  } catch {
    return undefined;
  }
  for (const name of names.sort()) {
    const file = path.join(dataDir, name);
    const stats = statSync(file, { throwIfNoEntry: false });
    if (!stats?.isFile()) continue;
    const relative = name.split(path.sep).join('/');
    sizes[relative] = stats.size;
    if (!UNHASHED.test(relative)) hashes[relative] = createHash('sha256').update(readFileSync(file)).digest('hex');
  }
  return { sizes, hashes };
}

/** Moves an entry out of the way first, so a concurrent reader never sees it half removed. */
function discard(root: string, entry: string): void {
  const trash = path.join(root, `.trash-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    renameSync(entry, trash);
  } catch {
    return; // already gone (another devup replaced it)
  }
  rmSync(trash, { recursive: true, force: true });
}

/**
 * initdb into a temp directory (the server user must own it), copied under a temporary name in the
 * cache with its manifest and password, then renamed into place: two devups making the same entry
 * at once each build their own and the first rename wins; the loser's is removed.
 */
async function buildEntry(
  root: string,
  entry: string,
  bins: Binaries,
  key: CacheKey,
  ids: ServerUserIds | undefined,
): Promise<void> {
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const work = mkdtempSync(path.join(os.tmpdir(), 'devup-cluster-build-'));
  const building = path.join(root, `.build-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    chmodSync(work, 0o755); // as root the server user must reach into it
    const password = randomBytes(18).toString('hex');
    const pwfile = path.join(work, 'pw');
    writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
    const dataDir = path.join(work, 'data');
    if (ids) for (const target of [work, pwfile]) chownSync(target, ids.uid, ids.gid);
    const result = await runInitdb(bins, initdbArgs(dataDir, key.user, pwfile), ids);
    if (result.code !== 0) {
      throw new UserError('initdb failed while making the cached Postgres cluster', {
        details: result.output.trim().split('\n').slice(-15),
        hint: `Check that ${os.tmpdir()} is writable by the server user.`,
      });
    }
    await createSpareDatabase(bins, work, key.user, password, ids);
    mkdirSync(building, { mode: 0o700 });
    await copyDirectory(dataDir, path.join(building, 'data'));
    writeFileSync(path.join(building, PASSWORD), `${password}\n`, { mode: 0o600 });
    const files = describeFiles(path.join(building, 'data'));
    const manifest: Manifest = {
      version: 1,
      key,
      ...(files ?? { sizes: {}, hashes: {} }),
      createdAt: new Date().toISOString(),
    };
    writeFileSync(path.join(building, MANIFEST), `${JSON.stringify(manifest)}\n`);
    publish(building, entry);
  } finally {
    rmSync(work, { recursive: true, force: true });
    rmSync(building, { recursive: true, force: true });
  }
}

/**
 * Made by a normal server (a single-user backend would give it an OID from the range reserved for
 * initdb's objects), listening on a socket in the private build directory only, and stopped cleanly.
 */
async function createSpareDatabase(
  bins: Binaries,
  work: string,
  user: string,
  password: string,
  ids: ServerUserIds | undefined,
): Promise<void> {
  const dataDir = path.join(work, 'data');
  const options = `-p 5432 -c listen_addresses='' -c unix_socket_directories='${work}' -c fsync=off`;
  const started = await runPgCtl(
    bins,
    ['start', '-D', dataDir, '-l', path.join(work, 'server.log'), '-w', '-o', options],
    ids,
  );
  try {
    if (started.code !== 0) throw new Error(`pg_ctl start: ${started.output.trim()}`);
    const client = await connect({ host: work, port: 5432, user, password, database: 'postgres' });
    try {
      await client.query(`create database ${SPARE_DATABASE}`);
    } finally {
      await client.end().catch(() => {});
    }
  } catch (error) {
    throw new UserError('could not make the cached Postgres cluster', {
      details: [(error as Error).message],
      hint: `See ${path.join(work, 'server.log')}, or run again.`,
      cause: error,
    });
  } finally {
    await runPgCtl(bins, ['stop', '-D', dataDir, '-m', 'fast', '-w'], ids);
  }
}

function publish(building: string, entry: string): void {
  try {
    renameSync(building, entry);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Another devup published the same entry first: its bytes are as good as ours.
    if (code === 'ENOTEMPTY' || code === 'EEXIST') return;
    throw error;
  }
}
