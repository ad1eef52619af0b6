import { type CommandContext, parseList } from '../app/context.js';
import { runDevEnvironment } from '../app/dev/dev-environment.js';
import { requireLocalServer } from '../app/local-server.js';
import { describeDestroyable, dropTargetSchemas, replacedWhole, schemaItems } from '../app/reset-items.js';
import { describeSnapshots } from '../app/snapshot-lines.js';
import { scheduleTidy } from '../app/tidy-copies.js';
import { findPortHolder, stopHint } from '../checkouts/port-holder.js';
import type { ResolvedConfig } from '../config/types.js';
import { clearInterruptedCopies } from '../copies/interrupted-copies.js';
import {
  dropProjectDatabases,
  planReset,
  projectDatabases,
  type ResetPlan,
  restoreTemplates,
} from '../copies/reset-template.js';
import { groupSnapshots } from '../copies/snapshots.js';
import { bootDatabase, chooseEngine, createEngine } from '../database/boot.js';
import type { ConnectionInfo } from '../database/connection/connection.js';
import { dropDatabase } from '../database/drop-schemas.js';
import type { ConcreteEngine, DatabaseEngine, Destroyable, RunningDatabase } from '../database/engine.js';
import { errorMessage, UserError } from '../errors.js';
import { formatAge, formatDuration } from '../lib/format.js';
import { isPortInUse } from '../ports.js';
import { claimDevSession, stopDevSession } from '../services/dev-session.js';
import { confirm } from '../ui/confirm.js';

async function confirmDestruction(
  ctx: CommandContext,
  items: Destroyable[],
  yes: boolean,
  kept: string[] = [],
): Promise<boolean> {
  ctx.output.line('devup reset will destroy:');
  for (const item of items) {
    ctx.output.line(`  ${describeDestroyable(item)}`);
    for (const line of item.contents ?? []) ctx.output.line(`    ${line}`);
  }
  if (kept.length > 0) {
    ctx.output.line('and keeps:');
    for (const line of kept) ctx.output.line(`  ${line}`);
  }
  return confirm('Destroy these and rebuild?', { yes });
}

interface ResetSettings {
  services: string[] | undefined;
  tenant: string | undefined;
  yes: boolean;
  seed: boolean;
  start: boolean;
  /** Releases of the session this reset holds from its confirmation on (see stopRunningDev). */
  claims: (() => void)[];
}

/** What a reset did, and so how the database is rebuilt afterwards. */
type Outcome =
  | { done: 'refused' }
  | { done: 'nothing' }
  | { done: 'schemas'; reseed: string[] }
  | { done: 'template' }
  | { done: 'dropped' };

/**
 * `devup reset`: names exactly what it destroys, asks (or takes --yes), destroys only what
 * carries this project's labels (or, external, the schemas the config names), then rebuilds:
 * from the templates taken after the last rebuild when nothing changed since, else through the
 * migrations.
 */
export default async function reset(ctx: CommandContext, options: Record<string, unknown>): Promise<number> {
  const config = await ctx.loadConfig();
  const settings: ResetSettings = {
    services: parseList(options.service as string | undefined),
    tenant: options.tenant as string | undefined,
    yes: options.yes === true,
    seed: options.seed !== false,
    start: options.start !== false,
    claims: [],
  };
  try {
    return await resetAndRebuild(ctx, config, options, settings);
  } finally {
    for (const release of settings.claims) release();
  }
}

async function resetAndRebuild(
  ctx: CommandContext,
  config: ResolvedConfig,
  options: Record<string, unknown>,
  settings: ResetSettings,
): Promise<number> {
  if (typeof options.infra === 'string') {
    if (!(await resetInfra(ctx, config, options.infra, settings))) return 1;
    return settings.start ? runDevEnvironment(ctx, config, { ...DEV_AFTER_INFRA_RESET, seed: settings.seed }) : 0;
  }
  const { name, remembered } = await chooseEngine(config, ctx.engine, { notice: (m) => ctx.output.notice(m) });
  await requireLocalServer(config, name, options.force === true, 'reset');
  const outcome =
    settings.services || settings.tenant
      ? await resetSchemas(ctx, config, settings)
      : await resetProject(ctx, config, name, settings, remembered?.systemIdentifier !== undefined);
  if (outcome.done === 'refused') {
    ctx.output.line('Nothing changed.');
    return 1;
  }
  return runDevEnvironment(ctx, config, {
    skipMigrations: false,
    only: undefined,
    seed: settings.seed,
    strict: false,
    start: settings.start,
    reseed: outcome.done === 'schemas' ? outcome.reseed : outcome.done === 'template' ? [] : 'all',
    keepTemplate: outcome.done !== 'template' && outcome.done !== 'schemas',
    sessionCommand: settings.start ? 'dev' : 'reset',
  });
}

const DEV_AFTER_INFRA_RESET = { skipMigrations: false, only: undefined, strict: false, start: true } as const;

/** `--infra NAME`: that entry's container and volumes, listed and confirmed; Postgres is left alone. */
async function resetInfra(ctx: CommandContext, config: ResolvedConfig, name: string, settings: ResetSettings) {
  const { infraResetPlan } = await import('../app/infra-commands.js');
  const plan = await infraResetPlan(config, name);
  if (plan.items.length === 0) {
    ctx.output.line(`Nothing to reset: infra.${name} has no container or volume yet.`);
    return true;
  }
  if (!(await confirmDestruction(ctx, plan.items, settings.yes))) {
    ctx.output.line('Nothing changed.');
    return false;
  }
  await stopRunningDev(ctx, config, settings);
  await plan.remove();
  ctx.output.line(
    `${ctx.output.style('green', '✔')} Emptied infra.${name}: removed ${plan.items.map((i) => i.name).join(', ')}`,
  );
  ctx.output.event({ event: 'reset', destroyed: plan.items });
  return true;
}

/**
 * Only once the user has confirmed: a refused reset must leave a running `devup dev` alone. The
 * session is then held by this reset until its rebuild is done, so that a `devup dev` started
 * meanwhile waits instead of booting into databases being dropped (and a second reset waits too).
 */
async function stopRunningDev(ctx: CommandContext, config: ResolvedConfig, settings: ResetSettings) {
  for (let attempt = 1; ; attempt++) {
    const stopped = await stopDevSession(config.stateDir);
    if (stopped) {
      ctx.output.notice(
        `Stopped the running devup dev (pid ${stopped})${settings.start ? '' : '; start it again with `devup dev`'}.`,
      );
    }
    try {
      const claim = await claimDevSession(config.stateDir, {
        command: 'reset',
        onWaitForReset: (pid) => ctx.output.notice(`Waiting for the running devup reset (pid ${pid}) to finish…`),
      });
      settings.claims.push(() => claim.release());
      return;
    } catch (error) {
      // A devup dev claimed the session between the stop and the claim: stop that one too.
      if (!(error instanceof UserError) || attempt >= 3) throw error;
    }
  }
}

function bootSink(ctx: CommandContext) {
  return { notice: (m: string) => ctx.output.notice(m) };
}

/** --service / --tenant, and the full path on an external server: drop the schemas devup migrates. */
async function resetSchemas(
  ctx: CommandContext,
  config: ResolvedConfig,
  settings: ResetSettings,
  kept: string[] = [],
): Promise<Outcome> {
  const { output } = ctx;
  const db = await bootDatabase(config, { engine: ctx.engine, sink: bootSink(ctx) });
  const { items, wholeDatabases, schemas, targets } = await schemaItems(
    config,
    db.connection,
    settings.services,
    settings.tenant,
  );
  if (items.length === 0) {
    output.line('Nothing to reset: no migration target matches.');
    return { done: 'nothing' };
  }
  if (!(await confirmDestruction(ctx, items, settings.yes, kept))) return { done: 'refused' };
  await stopRunningDev(ctx, config, settings);
  for (const database of wholeDatabases) await dropDatabase(db.connection, database);
  await dropTargetSchemas(
    db.connection,
    schemas.map((t) => t.target),
  );
  output.line(`${output.style('green', '✔')} Dropped ${items.map((i) => i.name).join(', ')}`);
  output.event({ event: 'reset', destroyed: items });
  return { done: 'schemas', reseed: targets.map((t) => t.target.schema) };
}

/** The whole project: from the templates when nothing changed, else dropped and rebuilt. */
async function resetProject(
  ctx: CommandContext,
  config: ResolvedConfig,
  name: ConcreteEngine,
  settings: ResetSettings,
  known: boolean,
): Promise<Outcome> {
  const { output } = ctx;
  let db: RunningDatabase | undefined;
  if (name !== 'external') {
    const engine = await createEngine(config, name);
    // A cluster devup remembers is checked by the boot's warm path without asking the engine;
    // listing what would be destroyed sizes the data (du, docker df): only when needed.
    const state = known ? 'known' : (await engine.status()).state;
    if (state === 'absent' || state === 'unreachable') {
      const items = await engine.listDestroyable();
      if (items.length === 0) {
        output.line('Nothing to destroy: this project has no database yet.');
        return { done: 'nothing' };
      }
      return destroyCluster(ctx, config, engine, items, settings);
    }
    try {
      db = await bootDatabase(config, { engine: ctx.engine, sink: bootSink(ctx) });
    } catch (error) {
      // The remedy for a cluster that no longer starts: remove it, as devup created it. Never when
      // another server answers on its port: that one's refusal says nothing of this cluster.
      const answering = await answeringServer(config, name, engine);
      if (answering === 'another') throw notThisCluster(config, name, error);
      output.warn(
        answering === 'own'
          ? `Postgres answers but cannot be used (${errorMessage(error)}): the reset removes the whole ${name} cluster.`
          : `Postgres does not start (${errorMessage(error)}): the reset removes the whole ${name} cluster.`,
      );
      return destroyCluster(ctx, config, engine, await engine.listDestroyable(), settings);
    }
  }
  db ??= await bootDatabase(config, { engine: ctx.engine, sink: bootSink(ctx) });
  const plan = await planReset(config, db.connection, { seed: settings.seed });
  const kept = describeSnapshots(groupSnapshots(plan.copies, plan.fingerprint), { sizes: false });
  if (plan.path === 'template') return resetFromTemplates(ctx, config, name, db.connection, plan, settings, kept);
  output.line(`↺ Full rebuild through the migrations: ${plan.reason}.`);
  output.event({ event: 'reset-path', path: 'full', reason: plan.reason });
  // An external server is not devup's: only the schemas it migrates go.
  if (name === 'external') {
    const outcome = await resetSchemas(ctx, config, settings, kept);
    return outcome.done === 'schemas' ? { done: 'dropped' } : outcome;
  }
  const items = projectDatabases(config, db.connection).map((database) => ({
    kind: 'database' as const,
    name: database,
  }));
  if (!(await confirmDestruction(ctx, items, settings.yes, kept))) return { done: 'refused' };
  await stopRunningDev(ctx, config, settings);
  await noteClearedCopies(ctx, config, db.connection);
  await dropProjectDatabases(config, db.connection);
  output.line(`${output.style('green', '✔')} Dropped ${items.map((i) => i.name).join(', ')}`);
  output.event({ event: 'reset', path: 'full', destroyed: items });
  return { done: 'dropped' };
}

/** The template path: each project database swapped for a clone of its template. */
async function resetFromTemplates(
  ctx: CommandContext,
  config: ResolvedConfig,
  name: ConcreteEngine,
  admin: ConnectionInfo,
  plan: ResetPlan & { path: 'template' },
  settings: ResetSettings,
  kept: string[],
): Promise<Outcome> {
  const { output } = ctx;
  const databases = [...plan.templates.keys()];
  output.line(
    `↺ Reset from the template taken ${formatAge(plan.takenAt)} ago: migrations, seeds and config unchanged since.`,
  );
  const items =
    name === 'external'
      ? await replacedWhole(admin, databases)
      : databases.map((database) => ({
          kind: 'database' as const,
          name: database,
          detail: 'replaced by its template',
        }));
  if (!(await confirmDestruction(ctx, items, settings.yes, kept))) return { done: 'refused' };
  await stopRunningDev(ctx, config, settings);
  await noteClearedCopies(ctx, config, admin);
  const started = performance.now();
  const ended = await restoreTemplates(config, admin, plan.templates);
  const ms = performance.now() - started;
  output.line(
    `${output.style('green', '✔')} Restored ${databases.join(', ')} from the template (${formatDuration(ms)}${ended > 0 ? `; ended ${ended} connection${ended === 1 ? '' : 's'}` : ''})`,
  );
  output.event({ event: 'reset', path: 'template', destroyed: items, ms: Math.round(ms) });
  await scheduleTidy(ctx, config, admin);
  return { done: 'template' };
}

/** What a killed snapshot save, restore or reset left goes first, in one line. */
async function noteClearedCopies(ctx: CommandContext, config: ResolvedConfig, admin: ConnectionInfo): Promise<void> {
  const cleared = await clearInterruptedCopies(config, admin);
  if (cleared) ctx.output.notice(cleared);
}

/** Who answers on database.port after a failed boot: nobody, this checkout's own server, or another. */
async function answeringServer(
  config: ResolvedConfig,
  name: ConcreteEngine,
  engine: DatabaseEngine,
): Promise<'nobody' | 'own' | 'another'> {
  if (!(await isPortInUse(config.database.port))) return 'nobody';
  if (engine.answersOnItsPort) return engine.answersOnItsPort() ? 'own' : 'another';
  // Docker publishes the container's port: a running container of this project is what answers.
  return name === 'docker' && (await engine.status()).state === 'running' ? 'own' : 'another';
}

function notThisCluster(config: ResolvedConfig, name: ConcreteEngine, error: unknown): UserError {
  const port = config.database.port;
  const holder = findPortHolder(port, (_root, entry) => entry.dataDir === config.database.dataDir);
  return new UserError(
    `port ${port} is answered by ${holder?.what ?? 'a server'} that is not this checkout's ${name} cluster: the reset destroys nothing`,
    {
      details: [errorMessage(error)],
      hint: `${stopHint(holder)}, or set database.port to this checkout's own port; \`devup ls\` shows which checkout holds which ports.`,
      cause: error,
    },
  );
}

async function destroyCluster(
  ctx: CommandContext,
  config: ResolvedConfig,
  engine: DatabaseEngine,
  items: Destroyable[],
  settings: ResetSettings,
): Promise<Outcome> {
  const { output } = ctx;
  const inside = { kind: 'database' as const, name: '(all)', detail: 'snapshots and templates inside it go too' };
  if (!(await confirmDestruction(ctx, [...items, inside], settings.yes))) return { done: 'refused' };
  await stopRunningDev(ctx, config, settings);
  await engine.destroy();
  output.line(`${output.style('green', '✔')} Destroyed ${items.map((i) => i.name).join(', ')}`);
  output.event({ event: 'reset', path: 'full', destroyed: items });
  return { done: 'dropped' };
}
