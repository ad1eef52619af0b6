import type pg from 'pg';
import type { ResolvedConfig, TargetSettings } from '../config/types.js';
import type { ConnectionInfo } from '../database/connection/connection.js';
import { UsageError, UserError } from '../errors.js';
import { appendToGroup } from '../lib/group.js';
import { quoteIdent, quoteLiteral } from '../lib/sql-quote.js';
import { collectTargetPlans } from '../migrations/target-plans.js';
import { toolTargetStatuses } from '../migrations/tools/tool-status.js';
import { type BuildFingerprint, buildFingerprint, describeFingerprintChange } from './build-fingerprint.js';
import { type CopyLabel, copyName, type DatabaseCopy, formatLabel, listCopies } from './copy-labels.js';
import { cloneAllIncoming, swapIn } from './copy-swap.js';
import { copyDatabase, databaseExists, dropCopy, withCopyLock, withMaintenanceClient } from './database-copy.js';
import { type CopySettings, carryToolFingerprints, projectDatabases } from './reset-template.js';

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
  /** False while its save runs, and for good when that save was interrupted: never restored. */
  complete: boolean;
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
  config: CopySettings,
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
    appendToGroup(byName, copy.label.name, copy);
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
        complete: group.every((c) => c.label.incomplete !== true),
      };
    })
    .sort((a, b) => (a.createdAt < b.createdAt ? -1 : 1));
}

export async function findSnapshot(config: CopySettings, admin: ConnectionInfo, name: string): Promise<Snapshot> {
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
async function migrationState(config: TargetSettings, admin: ConnectionInfo): Promise<Snapshot['migrations']> {
  const state: Snapshot['migrations'] = {};
  const inspected = await collectTargetPlans(config, admin, {});
  const tools = inspected.filter((i) => !i.plan && i.service.service.migrations?.kind === 'tool');
  const statuses = await toolTargetStatuses(
    config.stateDir,
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
 * copy (Postgres copies only an idle database). All or nothing: each copy is labelled incomplete
 * as it is made, and all labels are made complete in one transaction once the last copy is done,
 * so a save killed midway is never listed as complete nor restored.
 */
export async function saveSnapshot(
  config: CopySettings & TargetSettings,
  admin: ConnectionInfo,
  name: string,
): Promise<{ snapshot: string[]; ended: number }> {
  checkSnapshotName(name);
  const databases = projectDatabases(config, admin);
  const migrations = await migrationState(config, admin);
  const label: Omit<CopyLabel, 'source'> = {
    project: config.project,
    kind: 'snapshot',
    name,
    createdAt: new Date().toISOString(),
    fingerprint: buildFingerprint(config),
    migrations,
    incomplete: true,
  };
  return withMaintenanceClient(admin, databases, (client) =>
    withCopyLock(client, config.project, async () => {
      await checkSnapshotFree(client, config.project, databases, name);
      const made: DatabaseCopy[] = [];
      let ended = 0;
      try {
        for (const source of databases) {
          const target = snapshotDatabase(source, name);
          const copyLabel = { ...label, source };
          ended += (await copyDatabase(client, source, target, copyLabel)).ended;
          made.push({ database: target, label: copyLabel });
        }
        await markComplete(client, made);
      } catch (error) {
        for (const copy of made) await dropCopy(client, copy).catch(() => {});
        throw error;
      }
      return { snapshot: made.map((c) => c.database), ended };
    }),
  );
}

/** Refuses a name in use: by a snapshot of devup's, or by any database where a copy would go. */
async function checkSnapshotFree(
  client: pg.Client,
  project: string,
  databases: readonly string[],
  name: string,
): Promise<void> {
  const existing = (await listCopies(client, project)).filter(
    (c) => c.label.kind === 'snapshot' && c.label.name === name,
  );
  if (existing.length > 0) {
    throw new UserError(`a snapshot named "${name}" exists already`, {
      hint: `Remove it first (devup snapshot rm ${name}) or pick another name.`,
    });
  }
  for (const source of databases) {
    const target = snapshotDatabase(source, name);
    if (!(await databaseExists(client, target))) continue;
    // Its name is one devup would give a copy, but only a label makes it devup's: it is left alone.
    throw new UserError(
      `cannot save snapshot ${name}: the database ${target} exists and devup did not make it (it has no devup label)`,
      {
        hint: `Pick another snapshot name; ${target} is left as it is (rename or drop it yourself if you no longer need it).`,
      },
    );
  }
}

/** The last step of a save: every copy's label made complete in one transaction. */
async function markComplete(client: pg.Client, copies: DatabaseCopy[]): Promise<void> {
  await client.query('begin');
  try {
    for (const copy of copies) {
      const { incomplete: _, ...label } = copy.label;
      copy.label = label;
      await client.query(`comment on database ${quoteIdent(copy.database)} is ${quoteLiteral(formatLabel(label))}`);
    }
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  }
}

/**
 * Replaces each project database the snapshot holds with a clone of it (the snapshot stays).
 * Databases the snapshot has no copy of (added to the config since) are left as they are. Every
 * clone is made first, then all are swapped in one transaction: all or nothing.
 */
export async function restoreSnapshot(
  config: CopySettings,
  admin: ConnectionInfo,
  snapshot: Snapshot,
): Promise<{ restored: string[]; untouched: string[]; ended: number }> {
  const databases = projectDatabases(config, admin);
  return withMaintenanceClient(admin, databases, (client) =>
    withCopyLock(client, config.project, async () => {
      // Read again under the lock: the listing the caller had may be from before a save finished.
      const copies = (await listCopies(client, config.project)).filter(
        (c) => c.label.kind === 'snapshot' && c.label.name === snapshot.name,
      );
      if (copies.length === 0 || copies.some((c) => c.label.incomplete)) throw incompleteSnapshot(snapshot.name);
      // A database the config no longer names is not brought back.
      const sources = copies.filter((c) => databases.includes(c.label.source));
      const swaps = await cloneAllIncoming(
        client,
        config.project,
        sources.map((copy) => ({ live: copy.label.source, copy })),
      );
      const { ended } = await swapIn(client, config.project, swaps);
      const restored = swaps.map((s) => s.live);
      // The tools' no-spawn check then knows the restored databases (else: "database re-created").
      await carryToolFingerprints(
        config,
        admin,
        client,
        new Map(copies.filter((c) => databases.includes(c.label.source)).map((c) => [c.label.source, c])),
      );
      return { restored, untouched: databases.filter((d) => !restored.includes(d)), ended };
    }),
  );
}

/** A snapshot whose save has not finished (or never will): restoring it would mix two moments. */
export function incompleteSnapshot(name: string): UserError {
  return new UserError(`snapshot ${name} is incomplete: its save was interrupted (or is still running)`, {
    hint: `Nothing was restored. Take a new one with \`devup snapshot save\`; the next save or reset removes ${name} (or \`devup snapshot rm ${name}\`).`,
  });
}

export async function removeSnapshot(
  config: Pick<ResolvedConfig, 'project' | 'services'>,
  admin: ConnectionInfo,
  snapshot: Snapshot,
) {
  await withMaintenanceClient(admin, projectDatabases(config, admin), (client) =>
    withCopyLock(client, config.project, async () => {
      for (const copy of snapshot.copies) await dropCopy(client, copy);
    }),
  );
}
