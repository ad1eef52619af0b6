import {
  accessSync,
  constants,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statfsSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { quoteIdent } from '../../lib/sql-quote.js';
import { currentProcess, isRunning, type ProcessIdentity } from '../../process-identity.js';
import { DockerApi } from '../docker/api.js';
import { postmasterPid } from '../embedded/leftovers.js';

/*
 * A throwaway Postgres (devup check, devup schema) is removed by the process that made it, on
 * its way out. One killed outright (SIGKILL, the OOM killer, a cancelled CI job) leaves its server
 * behind; so each carries its owner, and the next throwaway removes those whose owner is gone.
 */

/** On a throwaway's container and volume: its owner, as JSON. */
export const OWNER_LABEL = 'dev.devup.throwaway-owner';
/** A throwaway's temp directory (`<tmp>/devup-throwaway-*`) holds its owner in this file. */
const OWNER_FILE = 'owner.json';
export const TEMP_PREFIX = 'devup-throwaway-';

/** The devup process that made a throwaway, and where its pid means something. */
export interface ThrowawayOwner extends ProcessIdentity {
  host: string;
  /** Linux: the pid namespace; a pid seen from another container says nothing here. */
  pidNamespace: string | undefined;
}

function pidNamespace(): string | undefined {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return undefined;
  }
}

export function throwawayOwner(): ThrowawayOwner {
  return { ...currentProcess(), host: os.hostname(), pidNamespace: pidNamespace() };
}

export function parseOwner(text: string | undefined): ThrowawayOwner | undefined {
  try {
    const owner = JSON.parse(text ?? '') as Partial<ThrowawayOwner>;
    if (typeof owner.pid !== 'number' || typeof owner.host !== 'string') return undefined;
    return { pid: owner.pid, started: owner.started, host: owner.host, pidNamespace: owner.pidNamespace };
  } catch {
    return undefined;
  }
}

/**
 * Whether the owner is known to be gone. Only an owner on this host and in this pid namespace
 * can be judged; any other (another machine or container sharing the Docker engine) counts as
 * alive, so a live run's throwaway is never removed.
 */
export function isOwnerGone(owner: ThrowawayOwner | undefined, here: ThrowawayOwner = throwawayOwner()): boolean {
  if (!owner || owner.host !== here.host || owner.pidNamespace !== here.pidNamespace) return false;
  return !isRunning(owner);
}

export function ownerLabels(): Record<string, string> {
  return { [OWNER_LABEL]: JSON.stringify(throwawayOwner()) };
}

export function writeOwnerFile(dir: string): void {
  writeFileSync(path.join(dir, OWNER_FILE), JSON.stringify(throwawayOwner()));
}

/**
 * Removes the temp directories of throwaways whose owner is gone, after an immediate shutdown of
 * an embedded server still running on one. Directories without an owner file are left alone.
 */
export function removeStaleTempDirs(roots: readonly string[] = throwawayTempRoots()): string[] {
  const removed: string[] = [];
  for (const tmp of roots) removed.push(...removeStaleIn(tmp));
  return removed;
}

// Linux's RAM-backed file system: a throwaway's files there are made in a fraction of the time
// a journaling disk takes (copying the cached cluster: ~0.2 s against ~0.6 s, measured on the
// project's 2-core VM). Only with room to spare: a container's default /dev/shm is 64 MB.
const SHM = '/dev/shm';
const TMPFS_MAGIC = 0x01021994;
const SHM_MIN_FREE = 4 * 1024 ** 3;

/** Where a new throwaway's temp directory goes: /dev/shm when it is a roomy tmpfs and TMPDIR is not set, else os.tmpdir(). */
export function throwawayTempRoot(): string {
  // A TMPDIR the user set is where they want temp files: it wins.
  if (process.platform !== 'linux' || process.env.TMPDIR) return os.tmpdir();
  try {
    const fs = statfsSync(SHM);
    if (fs.type === TMPFS_MAGIC && fs.bavail * fs.bsize >= SHM_MIN_FREE) {
      accessSync(SHM, constants.W_OK);
      return SHM;
    }
  } catch {
    // no /dev/shm here
  }
  return os.tmpdir();
}

/** Every place a throwaway's temp directory may be. */
export function throwawayTempRoots(): string[] {
  return [...new Set([os.tmpdir(), throwawayTempRoot()])];
}

function removeStaleIn(tmp: string): string[] {
  const here = throwawayOwner();
  const removed: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(tmp);
  } catch {
    return removed;
  }
  for (const entry of entries) {
    if (!entry.startsWith(TEMP_PREFIX)) continue;
    const dir = path.join(tmp, entry);
    let owner: ThrowawayOwner | undefined;
    try {
      owner = parseOwner(readFileSync(path.join(dir, OWNER_FILE), 'utf8'));
    } catch {
      continue;
    }
    if (!isOwnerGone(owner, here)) continue;
    // EmbeddedEngine's data directory; an immediate shutdown (no checkpoint): it is thrown away.
    const pid = postmasterPid(path.join(dir, 'cluster', 'data'));
    if (pid !== undefined) process.kill(pid, 'SIGQUIT');
    rmSync(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  return removed;
}

/** Removes the containers and volumes of Docker throwaways whose owner is gone; returns their names. */
export async function removeStaleDockerThrowaways(): Promise<string[]> {
  const api = new DockerApi();
  if (!api.endpoint) return [];
  const docker = await api.client();
  const here = throwawayOwner();
  const removed: string[] = [];
  const containers = await docker.listContainers({ all: true, filters: { label: [OWNER_LABEL] } });
  for (const container of containers) {
    if (!isOwnerGone(parseOwner(container.Labels[OWNER_LABEL]), here)) continue;
    await docker.getContainer(container.Id).remove({ force: true });
    removed.push(container.Names[0]?.replace(/^\//, '') ?? container.Id);
  }
  const { Volumes } = await docker.listVolumes({ filters: { label: [OWNER_LABEL] } });
  for (const volume of Volumes ?? []) {
    if (!isOwnerGone(parseOwner(volume.Labels?.[OWNER_LABEL]), here)) continue;
    await docker.getVolume(volume.Name).remove();
    removed.push(volume.Name);
  }
  return removed;
}

/** An external throwaway database's comment: its owner. */
const OWNER_COMMENT = 'devup-throwaway:';

export function ownerComment(): string {
  return OWNER_COMMENT + JSON.stringify(throwawayOwner());
}

/**
 * Drops the throwaway databases on an external server whose owner is gone, with the service
 * databases made beside each (named after it: `<throwaway>_<database>`); returns their names.
 */
export async function removeStaleThrowawayDatabases(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ datname: string; comment: string }>(
    `select datname, shobj_description(oid, 'pg_database') as comment from pg_database
      where shobj_description(oid, 'pg_database') like 'devup-throwaway:%'`,
  );
  const here = throwawayOwner();
  const stale = rows.filter((r) => isOwnerGone(parseOwner(r.comment.slice(OWNER_COMMENT.length)), here));
  const removed: string[] = [];
  for (const { datname } of stale) {
    const { rows: beside } = await client.query<{ datname: string }>(
      'select datname from pg_database where starts_with(datname, $1)',
      [`${datname}_`],
    );
    for (const database of [...beside.map((b) => b.datname), datname]) {
      await client.query(`drop database if exists ${quoteIdent(database)} with (force)`);
      removed.push(database);
    }
  }
  return removed;
}
