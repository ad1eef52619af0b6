import path from 'node:path';
import type pg from 'pg';
import type {
  DatabaseBootSettings,
  MigrationStepSettings,
  ResolvedConfig,
  TargetSettings,
} from '../../config/types.js';
import type { CopySettings } from '../../copies/reset-template.js';
import { bootDatabase } from '../../database/boot.js';
import type { ConnectionInfo } from '../../database/connection/connection.js';
import type { RunningDatabase } from '../../database/engine.js';
import { withWarmClient } from '../../database/warm-client.js';
import { errorMessage, UserError } from '../../errors.js';
import { formatDuration } from '../../lib/format.js';
import { type MigrationStepResult, runMigrationStep } from '../../migrations/step/migration-step.js';
import type { TargetBase } from '../../migrations/targets.js';
import { MigrationProgress } from '../../ui/migration-progress.js';
import type { Output } from '../../ui/output.js';
import type { CommandContext } from '../context.js';
import {
  markNewTargetsOwed,
  seedsOwedInMainDatabase,
  seedTargets,
  servicesWithSeeds,
  targetsToSeed,
} from './seed-new-targets.js';

/** What `devup dev`'s database steps read: boot, the migration step, seeds, schema docs, the reset template. */
export type PrepareSettings = DatabaseBootSettings & MigrationStepSettings & CopySettings;

export interface PrepareOptions {
  skipMigrations?: boolean;
  strict?: boolean;
  seed?: boolean;
  /**
   * `devup migrate`: no seed data now, but the new targets are marked as owed it, so that the
   * `devup dev` after it seeds them (`--no-seed` marks nothing: the user asked for none).
   */
  deferSeeds?: boolean;
  /** After a reset: these schemas (or all) are new, whatever their history said. */
  reseed?: 'all' | string[] | undefined;
  services?: string[] | undefined;
  tenant?: string | undefined;
  signal?: AbortSignal;
  /** Built from zero (a full reset): keep a template of every database for the next reset. */
  keepTemplate?: boolean;
  /** External engine: wait this long for the server (`migrate --wait`). */
  waitMs?: number | undefined;
}

export interface PreparedDatabase {
  db: RunningDatabase;
  migrations: MigrationStepResult;
  /** Every target with its schema, for the services' connection variables. */
  targets: TargetBase[];
}

/**
 * After migrations were applied: `schema.dir` rewritten from the dev database, so the files are
 * committed with the migration. Loaded only then; nothing applied costs nothing. A failure here is
 * a warning: the database is ready, only the docs are behind (and `devup schema` rebuilds them).
 */
export async function refreshSchemaFiles(
  ctx: CommandContext,
  config: TargetSettings,
  connection: ConnectionInfo,
  migrations: MigrationStepResult,
  /** The step covered every target (no --service / --tenant). */
  coversAll: boolean,
): Promise<void> {
  const { output } = ctx;
  const { refreshSchemaDocs } = await import('../../schema/refresh.js');
  const { describeSchemaWrite } = await import('../../schema/schema-files.js');
  const dir = path.relative(ctx.cwd, config.schema.dir);
  const started = performance.now();
  try {
    const targets = coversAll ? migrations.outcomes.map((o) => o.target) : undefined;
    const result = await refreshSchemaDocs(config, connection, migrations.outcomes, targets);
    // "Commit them" only when a file changed: a migration that changed no table leaves nothing to commit.
    const changed = result.written.length + result.removed.length > 0;
    output.line(
      changed
        ? `${output.style('green', '✔')} Schema docs refreshed, commit them with the migration: ${describeSchemaWrite(dir, result)}`
        : `${output.style('green', '✔')} Schema docs match the migrated database: ${describeSchemaWrite(dir, result)}, nothing to commit`,
    );
    output.event({
      event: 'schema-written',
      dir: config.schema.dir,
      ...result,
      ms: Math.round(performance.now() - started),
    });
  } catch (error) {
    output.warn(`Could not refresh ${dir || '.'}: ${(error as Error).message} (run \`devup schema\`).`);
  }
}

/** Step 1 and 2 of `devup dev` (and of reset, migrate): Postgres ready, migrations applied, seeds in. */
export async function prepareDatabase(
  ctx: CommandContext,
  config: PrepareSettings,
  options: PrepareOptions,
): Promise<PreparedDatabase> {
  const { output } = ctx;
  const db = await bootDatabase(config, {
    engine: ctx.engine,
    sink: { notice: (m) => output.notice(m), progress: (m) => output.debug(m) },
    keepClient: true,
    waitMs: options.waitMs,
  });
  reportDatabaseReady(output, db);

  const seeded = servicesWithSeeds(config, options);
  // Seeds are owed to new targets of these services, whether this run applies them or a later one.
  // Not on an external server: a deploy's `migrate` leaves no marks in production schemas.
  const owing =
    options.deferSeeds && db.engine !== 'external'
      ? servicesWithSeeds(config, { skipMigrations: options.skipMigrations })
      : seeded;
  // The connection that proved the server ready reads the owed seeds and checks every target.
  const { owedMain, migrations } = await withWarmClient(db, async (client) => ({
    owedMain: await seedsOwedInMainDatabase(db.connection, client, seeded),
    migrations: await migrateWithProgress(output, config, db, client, options, owing),
  }));
  if (options.skipMigrations) reportSkippedMigrations(output, migrations);
  if (migrations.failure) throw migrationsFailed(migrations);
  const prepared = { db, migrations, targets: migrations.outcomes.map((o) => o.target) };

  const applied = migrations.outcomes.reduce((n, o) => n + o.applied.length, 0);
  const toSeed = await targetsToSeed(db.connection, migrations.outcomes, seeded, {
    reseed: options.reseed,
    created: db.action === 'created',
    owedMain,
  });
  // A new cluster is built from zero too; a partial run (--only) or --no-seed is not what a reset restores.
  const builtFromZero = options.keepTemplate === true || db.action === 'created';
  const keepsTemplate = builtFromZero && !options.services && !options.skipMigrations && options.seed !== false;
  // The warm path: nothing applied, nothing to seed, nothing built from zero.
  if (applied === 0 && toSeed.length === 0 && !keepsTemplate) return prepared;

  // Local work only: a deploy's `migrate` against an external server must not rewrite the docs.
  if (applied > 0 && config.schema.refresh && db.engine !== 'external') {
    // A run over every service and tenant has every target already: no second pass over the files.
    const all = options.services === undefined && options.tenant === undefined;
    await refreshSchemaFiles(ctx, config, db.connection, migrations, all);
  }
  await seedTargets(output, config, db.connection, toSeed);
  if (keepsTemplate) await keepTemplate(ctx, config, db.connection);
  return prepared;
}

function reportDatabaseReady(output: Output, db: RunningDatabase): void {
  const actionText = { reused: 'already running', started: 'started', created: 'created' }[db.action];
  output.line(
    `${output.style('green', '✔')} Postgres ready: ${db.description} (${actionText}, ${formatDuration(db.readyMs)})`,
  );
  output.event({
    event: 'database-ready',
    engine: db.engine,
    action: db.action,
    ms: Math.round(db.readyMs),
    description: db.description,
  });
}

/**
 * The migration step with its progress on screen: checks every target on the borrowed connection
 * to the main database, marks new targets' seeds owed, applies what is pending.
 */
async function migrateWithProgress(
  output: Output,
  config: MigrationStepSettings & Pick<ResolvedConfig, 'database'>,
  db: RunningDatabase,
  client: pg.Client,
  options: PrepareOptions,
  seeded: Set<string>,
): Promise<MigrationStepResult> {
  const progress = new MigrationProgress(output);
  let owed: string[] = [];
  const migrations = await runMigrationStep(config, db.connection, {
    client,
    services: options.services,
    tenant: options.tenant,
    strict: options.strict,
    checkOnly: options.skipMigrations,
    // A server devup runs is its own to shape; an external one only as far as the config says.
    createDatabases: db.engine !== 'external' || config.database.createDatabases === true,
    onPlanned: options.skipMigrations
      ? undefined
      : async (targets) => {
          await progress.planned(targets);
          const marked = await markNewTargetsOwed(db.connection, targets, seeded);
          if (options.deferSeeds && marked.length > 0) owed = marked;
        },
    onEvent: (event) => progress.event(event),
    signal: options.signal,
  });
  await progress.finish();
  if (owed.length > 0) {
    output.notice(
      `Seed data is owed to ${owed.join(', ')}: \`devup migrate\` applies none; the next \`devup dev\` (or \`devup reset\`) applies it.`,
    );
  }
  return migrations;
}

/** --skip-migrations: what is pending is said, not applied. */
function reportSkippedMigrations(output: Output, migrations: MigrationStepResult): void {
  const pending = migrations.outcomes.filter((o) => o.status === 'pending');
  if (pending.length === 0) {
    output.line(`${output.style('green', '✔')} Migrations skipped (nothing pending)`);
    return;
  }
  const count = pending.reduce((n, o) => n + o.pending.length, 0);
  output.warn(
    `Skipping migrations, but ${count} ${count === 1 ? 'is' : 'are'} pending in ${pending.map((o) => o.target.schema).join(', ')} (run \`devup migrate\`).`,
  );
}

/** Each failure was shown in place, under its target; the command ends with a summary, not a repeat. */
function migrationsFailed(migrations: MigrationStepResult): UserError {
  const failed = migrations.outcomes.filter((o) => o.status === 'failed').map((o) => o.target.schema);
  return new UserError(`migrations failed for ${failed.join(', ')}`, {
    hint: 'Fix what is shown above and run again; targets that succeeded keep their migrations.',
    cause: migrations.failure,
  });
}

/** A template is only a shortcut: failing to take one never fails the command. */
async function keepTemplate(ctx: CommandContext, config: PrepareSettings, admin: ConnectionInfo): Promise<void> {
  const { output } = ctx;
  const started = performance.now();
  try {
    const { keepTemplates } = await import('../../copies/reset-template.js');
    await keepTemplates(config, admin);
  } catch (error) {
    output.warn(`Could not keep a template for the next reset: ${errorMessage(error)} (the next reset rebuilds).`);
    return;
  }
  const ms = performance.now() - started;
  output.line(`${output.style('green', '✔')} Template kept for the next reset (${formatDuration(ms)})`);
  output.event({ event: 'template-kept', ms: Math.round(ms) });
  const { scheduleTidy } = await import('../tidy-copies.js');
  await scheduleTidy(ctx, config, admin);
}
