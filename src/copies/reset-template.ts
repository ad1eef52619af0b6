import type pg from 'pg';
import type { ResolvedConfig } from '../config/types.js';
import type { ConnectionInfo } from '../database/connection/connection.js';
import { createDatabaseUnlessExists } from '../database/create-database.js';
import { listFingerprints, recordFingerprint } from '../migrations/tools/fingerprint-store.js';
import { identityInDatabase } from '../migrations/tools/tool-history.js';
import {
  type BuildFingerprint,
  buildFingerprint,
  describeFingerprintChange,
  type FingerprintSettings,
} from './build-fingerprint.js';
import { readProjectTags, restoreProjectTags } from './carry-tags.js';
import { copyName, type DatabaseCopy, listCopies } from './copy-labels.js';
import { measureShape } from './copy-strategy.js';
import { cloneAllIncoming, type Swap, swapIn } from './copy-swap.js';
import {
  checkpointCopies,
  cloneCopy,
  copyDatabase,
  dropCopy,
  dropDatabaseNow,
  tidyCopies,
  withCopyLock,
  withMaintenanceClient,
} from './database-copy.js';

/** The project's databases: the main one, then each service's own (`database: 'auth'`). */
export function projectDatabases(config: Pick<ResolvedConfig, 'services'>, admin: ConnectionInfo): string[] {
  const own = config.services.map((s) => s.database).filter((d): d is string => d !== undefined);
  return [...new Set([admin.database, ...own])];
}

/** What the project's copies are found and made by: its name (their labels), its databases, their build fingerprint. */
export type CopySettings = FingerprintSettings & Pick<ResolvedConfig, 'project'>;

export type ResetPlan = (
  | { path: 'template'; templates: Map<string, DatabaseCopy>; takenAt: string }
  | { path: 'full'; reason: string }
) & {
  /** Every copy of the project's databases (snapshots included), as read for the plan. */
  copies: DatabaseCopy[];
  fingerprint: BuildFingerprint;
};

/**
 * Whether `reset` can restore every project database from its template: each has one, and the
 * migration files, seeds and config are what they were when the templates were taken.
 */
export async function planReset(
  config: CopySettings,
  admin: ConnectionInfo,
  options: { seed: boolean },
): Promise<ResetPlan> {
  const databases = projectDatabases(config, admin);
  const copies = await withMaintenanceClient(admin, databases, (client) => listCopies(client, config.project));
  const now = buildFingerprint(config);
  const full = (reason: string): ResetPlan => ({ path: 'full', reason, copies, fingerprint: now });
  if (!options.seed) return full('--no-seed, and the template holds the seed data');
  const templates = new Map<string, DatabaseCopy>();
  for (const database of databases) {
    const template = copies.find((c) => c.label.kind === 'template' && c.label.source === database);
    if (!template)
      return full(templates.size === 0 ? 'no template yet' : `no template of the database ${database} yet`);
    const changed = describeFingerprintChange(template.label.fingerprint, now);
    if (changed.length > 0) return full(`${changed.join(', ')} changed since the template`);
    templates.set(database, template);
  }
  const takenAt = [...templates.values()].map((t) => t.label.createdAt).sort()[0] ?? '';
  return { path: 'template', templates, takenAt, copies, fingerprint: now };
}

/** Replaces each project database with a clone of its template; returns the sessions that were ended. */
export async function restoreTemplates(
  config: CopySettings,
  admin: ConnectionInfo,
  templates: Map<string, DatabaseCopy>,
): Promise<number> {
  // Tags name points in the migrations, not data: they outlive the data a reset throws away.
  const tags = await readProjectTags(admin, [...templates.keys()]);
  const ended = await withMaintenanceClient(admin, [...templates.keys()], (client) =>
    withCopyLock(client, config.project, async () => {
      const copies = await listCopies(client, config.project);
      const swaps: Swap[] = [];
      const toClone: { live: string; copy: DatabaseCopy }[] = [];
      for (const [live, template] of templates) {
        // The spare cloned after the last reset makes this two renames; without one, clone now.
        const spare = copies.find(
          (c) => c.label.kind === 'spare' && c.label.source === live && c.label.createdAt === template.label.createdAt,
        );
        if (spare) swaps.push({ live, replacement: spare });
        else toClone.push({ live, copy: template });
      }
      swaps.push(...(await cloneAllIncoming(client, config.project, toClone)));
      // All databases in one step: a reset interrupted anywhere never leaves a mix.
      const { ended } = await swapIn(client, config.project, swaps);
      await carryToolFingerprints(config, admin, client, templates);
      return ended;
    }),
  );
  await restoreProjectTags(admin, tags);
  return ended;
}

/**
 * External tools' fingerprints name the database by its oid, so that a re-created database is
 * noticed; a clone of a template (or of a snapshot) has a new oid but the copy's content and
 * schema oids. Those recorded before the copy was taken describe the clone as well: they follow
 * it to its oid, and the tools are not spawned again for a database restored unchanged. (One
 * recorded later may describe newer migrations: left as it is, so the tool runs.)
 */
export async function carryToolFingerprints(
  config: Pick<ResolvedConfig, 'services' | 'stateDir'>,
  admin: ConnectionInfo,
  client: pg.Client,
  templates: Map<string, DatabaseCopy>,
): Promise<void> {
  if (!config.services.some((s) => s.migrations?.kind === 'tool')) return;
  const { rows } = await client.query<{ datname: string; oid: string }>(
    'select datname, oid::text as oid from pg_database where datname = any($1)',
    [[...templates.keys()]],
  );
  const oids = new Map(rows.map((r) => [r.datname, r.oid]));
  for (const [key, fingerprint] of Object.entries(listFingerprints(config.stateDir))) {
    const database = key.slice(0, key.indexOf('/')) || admin.database;
    const template = templates.get(database);
    const oid = oids.get(database);
    if (!template || !oid || fingerprint.recordedAt > template.label.createdAt) continue;
    const identity = identityInDatabase(fingerprint.identity, oid);
    if (identity) recordFingerprint(config.stateDir, key, { ...fingerprint, identity });
  }
}

/**
 * The full path on a server devup runs: drops the project databases (their sessions ended) and
 * creates the main one again, empty; the migrations build the rest. Templates and snapshots stay.
 */
export async function dropProjectDatabases(
  config: Pick<ResolvedConfig, 'project' | 'services'>,
  admin: ConnectionInfo,
): Promise<void> {
  const databases = projectDatabases(config, admin);
  await withMaintenanceClient(admin, databases, (client) =>
    withCopyLock(client, config.project, async () => {
      for (const database of databases) await dropDatabaseNow(client, database);
      // Race-tolerant: a client of an older devup (or any other) may have created it meanwhile.
      await createDatabaseUnlessExists(client, admin.database);
    }),
  );
}

/**
 * Takes (or refreshes) the template of every project database, right after they were built from
 * zero, and a spare of each: the reset right after a rebuild is then two renames, not a clone
 * (the background tidy would make the spare too, but a reset can come before it has). Old
 * templates and spares, and those of databases the config no longer names, are dropped.
 */
export async function keepTemplates(config: CopySettings, admin: ConnectionInfo): Promise<void> {
  const databases = projectDatabases(config, admin);
  const fingerprint = buildFingerprint(config);
  const createdAt = new Date().toISOString();
  // Read before the copy lock: each needs a session in the database that the copy then ends.
  const shapes = await Promise.all(databases.map((database) => measureShape(admin, database)));
  await withMaintenanceClient(admin, databases, (client) =>
    withCopyLock(client, config.project, async () => {
      const old = (await listCopies(client, config.project)).filter(
        (c) => c.label.kind === 'template' || c.label.kind === 'spare',
      );
      for (const copy of old) await dropCopy(client, copy);
      const templates: DatabaseCopy[] = [];
      for (const [index, database] of databases.entries()) {
        const shape = shapes[index];
        const label = { project: config.project, kind: 'template' as const, source: database, createdAt, fingerprint };
        const template = { database: copyName(database, 'template'), label: shape ? { ...label, shape } : label };
        await copyDatabase(client, database, template.database, template.label);
        templates.push(template);
      }
      await makeSpares(client, templates);
    }),
  );
}

/** A spare is only a shortcut: one that can't be made now is left to the tidy (and the reset clones). */
async function makeSpares(client: pg.Client, templates: readonly DatabaseCopy[]): Promise<void> {
  try {
    for (const template of templates) {
      await cloneCopy(client, template, copyName(template.label.source, 'spare'), 'spare');
    }
  } catch {
    // cloneCopy drops its own half-made copy; the spares made so far are whole and labelled.
  }
}

/** Drops replaced databases and prepares spares for the next reset (run in the background: see tidy-copies). */
export async function tidyProjectCopies(
  config: Pick<ResolvedConfig, 'project' | 'services'>,
  admin: ConnectionInfo,
): Promise<void> {
  const databases = projectDatabases(config, admin);
  await withMaintenanceClient(admin, databases, async (client) => {
    await withCopyLock(client, config.project, () => tidyCopies(client, config.project, databases));
    await checkpointCopies(client);
  });
}
