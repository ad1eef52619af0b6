import type { ResolvedConfig } from '../config/types.js';
import type { ConnectionInfo } from '../database/connection/connection.js';
import { UsageError, UserError } from '../errors.js';
import { inspectTargets } from '../migrations/inspect.js';
import { toolTargetStatuses } from '../migrations/tools/tool-status.js';
import { type BuildFingerprint, buildFingerprint, describeFingerprintChange } from './build-fingerprint.js';
import { copyName, type DatabaseCopy, listCopies } from './copy-labels.js';
import { copyDatabase, dropCopy, replaceFromCopy, withCopyLock, withMaintenanceClient } from './database-copy.js';
import { carryToolFingerprints, projectDatabases } from './reset-template.js';

/** A named copy of every project database, taken at one moment. */
export interface Snapshot {
  name: string;
  createdAt: string;
  /** One copy per project database. */
  copies: DatabaseCopy[];
  size: number;
  /** Per target schema: applied migrations at the time of the snapshot. */
  migrations: Record<string, { count: number; last: string | undefined }>;
  /** What changed on disk since (the migrations of auth, ...); empty when nothing did. */
  changedSince: string[];
}

const NAME = /^[a-z0-9][a-z0-9_-]{0,39}$/;

export function checkSnapshotName(name: string): void {
  if (!NAME.test(name)) {
    throw new UsageError(
      `snapshot name "${name}": use lower-case letters, digits, - and _ (up to 40, starting with a letter or digit)`,
      'For example: devup snapshot save before-import',
    );
  }
}

function snapshotDatabase(source: string, name: string): string {
  return copyName(source, `snap_${name}`);
}

/** This project's snapshots on the server, oldest first, with their sizes. */
export async function listSnapshots(
  config: ResolvedConfig,
  admin: ConnectionInfo,
  options: { sizes?: boolean } = { sizes: true },
): Promise<Snapshot[]> {
  const databases = projectDatabases(config, admin);
  const copies = await withMaintenanceClient(admin, databases, (client) =>
    listCopies(client, config.project, { sizes: options.sizes ?? true }),
  );
  return groupSnapshots(copies, buildFingerprint(config));
}

/** The snapshots among a project's copies, oldest first; `now` tells what changed on disk since each. */
export function groupSnapshots(copies: DatabaseCopy[], now: BuildFingerprint): Snapshot[] {
  const byName = new Map<string, DatabaseCopy[]>();
  for (const copy of copies) {
    if (copy.label.kind !== 'snapshot' || copy.label.name === undefined) continue;
    byName.set(copy.label.name, [...(byName.get(copy.label.name) ?? []), copy]);
  }
  // Only migrations count here: a changed seed file does not make a snapshot out of date.
  const migrationParts = (fp: BuildFingerprint) =>
    Object.fromEntries(Object.entries(fp).filter(([key]) => key.startsWith('migrations:')));
  return [...byName]
    .map(([name, group]) => {
      const first = group[0] as DatabaseCopy;
      return {
        name,
        createdAt: first.label.createdAt,
        copies: group,
        size: group.reduce((sum, c) => sum + (c.size ?? 0), 0),
        migrations: first.label.migrations ?? {},
        changedSince: describeFingerprintChange(migrationParts(first.label.fingerprint), migrationParts(now)),
      };
    })
    .sort((a, b) => (a.createdAt < b.createdAt ? -1 : 1));
}

export async function findSnapshot(config: ResolvedConfig, admin: ConnectionInfo, name: string): Promise<Snapshot> {
  checkSnapshotName(name);
  const all = await listSnapshots(config, admin);
  const found = all.find((s) => s.name === name);
  if (!found) {
    throw new UserError(`no snapshot named "${name}"`, {
      hint:
        all.length > 0
          ? `Snapshots: ${all.map((s) => s.name).join(', ')}`
          : 'Take one with `devup snapshot save NAME`.',
    });
  }
  return found;
}

/** Applied migrations per target: devup's history for SQL targets, the tool's history table for the others. */
async function migrationState(config: ResolvedConfig, admin: ConnectionInfo): Promise<Snapshot['migrations']> {
  const state: Snapshot['migrations'] = {};
  const inspected = await inspectTargets(config, admin, {});
  const tools = inspected.filter((i) => !i.plan && i.service.service.migrations?.kind === 'tool');
  const statuses = await toolTargetStatuses(
    config,
    admin,
    tools.map((i) => ({ service: i.service.service, target: i.target })),
  );
  for (const { target, plan } of inspected) {
    const applied = plan
      ? plan.applied.map((a) => a.migration?.id ?? String(a.row.version))
      : (statuses.get(target)?.applied.map((ref) => ref.version) ?? []);
    state[target.schema] = { count: applied.length, last: applied.at(-1) };
  }
  return state;
}

/**
 * Copies every project database under the snapshot's name. Sessions on them are ended for the
 * copy (Postgres copies only an idle database); all or nothing.
 */
export async function saveSnapshot(
  config: ResolvedConfig,
  admin: ConnectionInfo,
  name: string,
): Promise<{ snapshot: string[]; ended: number }> {
  checkSnapshotName(name);
  const databases = projectDatabases(config, admin);
  const migrations = await migrationState(config, admin);
  const label = {
    project: config.project,
    kind: 'snapshot' as const,
    name,
    createdAt: new Date().toISOString(),
    fingerprint: buildFingerprint(config),
    migrations,
  };
  return withMaintenanceClient(admin, databases, (client) =>
    withCopyLock(client, config.project, async () => {
      const existing = (await listCopies(client, config.project)).filter(
        (c) => c.label.kind === 'snapshot' && c.label.name === name,
      );
      if (existing.length > 0) {
        throw new UserError(`a snapshot named "${name}" exists already`, {
          hint: `Remove it first (devup snapshot rm ${name}) or pick another name.`,
        });
      }
      const made: DatabaseCopy[] = [];
      let ended = 0;
      try {
        for (const source of databases) {
          const target = snapshotDatabase(source, name);
          const copyLabel = { ...label, source };
          ended += (await copyDatabase(client, source, target, copyLabel)).ended;
          made.push({ database: target, label: copyLabel });
        }
      } catch (error) {
        for (const copy of made) await dropCopy(client, copy).catch(() => {});
        throw error;
      }
      return { snapshot: made.map((c) => c.database), ended };
    }),
  );
}

/**
 * Replaces each project database the snapshot holds with a clone of it (the snapshot stays).
 * Databases the snapshot has no copy of (added to the config since) are left as they are.
 */
export async function restoreSnapshot(
  config: ResolvedConfig,
  admin: ConnectionInfo,
  snapshot: Snapshot,
): Promise<{ restored: string[]; untouched: string[]; ended: number }> {
  const databases = projectDatabases(config, admin);
  return withMaintenanceClient(admin, databases, (client) =>
    withCopyLock(client, config.project, async () => {
      let ended = 0;
      const restored: string[] = [];
      // A database the config no longer names is not brought back.
      const copies = snapshot.copies.filter((c) => databases.includes(c.label.source));
      for (const copy of copies) {
        ended += (await replaceFromCopy(client, config.project, copy.label.source, copy)).ended;
        restored.push(copy.label.source);
      }
      // The tools' no-spawn check then knows the restored databases (else: "database re-created").
      await carryToolFingerprints(config, admin, client, new Map(copies.map((c) => [c.label.source, c])));
      return { restored, untouched: databases.filter((d) => !restored.includes(d)), ended };
    }),
  );
}

export async function removeSnapshot(config: ResolvedConfig, admin: ConnectionInfo, snapshot: Snapshot) {
  await withMaintenanceClient(admin, projectDatabases(config, admin), (client) =>
    withCopyLock(client, config.project, async () => {
      for (const copy of snapshot.copies) await dropCopy(client, copy);
    }),
  );
}
