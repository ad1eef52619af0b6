import { findPortHolder, stopHint } from '../../checkouts/port-holder.js';
import type { ResolvedConfig } from '../../config/types.js';
import { clearInterruptedCopies } from '../../copies/interrupted-copies.js';
import {
  dropProjectDatabases,
  planReset,
  projectDatabases,
  type ResetPlan,
  restoreTemplates,
} from '../../copies/reset-template.js';
import { groupSnapshots } from '../../copies/snapshots.js';
import { bootDatabase, createEngine } from '../../database/boot.js';
import type { ConnectionInfo } from '../../database/connection/connection.js';
import { dropDatabase } from '../../database/drop-schemas.js';
import type { ConcreteEngine, DatabaseEngine, Destroyable, RunningDatabase } from '../../database/engine.js';
import { errorMessage, UserError } from '../../errors.js';
import { formatAge, formatDuration } from '../../lib/format.js';
import { isPortInUse } from '../../ports.js';
import type { CommandContext } from '../context.js';
import { describeSnapshots } from '../snapshot-lines.js';
import { scheduleTidy } from '../tidy-copies.js';
import { confirmAndHold, type ResetHold } from './confirm-destruction.js';
import { dropTargetSchemas, replacedWhole, schemaItems } from './reset-items.js';

// The ways a reset destroys: the schemas devup migrates, the project's databases from their
// templates or dropped whole, or the whole cluster when it no longer starts.

/** What the paths read of a reset: the selection and --seed, with the confirmation's needs. */
export interface ResetRun extends ResetHold {
  services: string[] | undefined;
  tenant: string | undefined;
  seed: boolean;
}

/** What a reset did, and so how the database is rebuilt afterwards. */
export type Outcome =
  | { done: 'refused' }
  | { done: 'nothing' }
  | { done: 'schemas'; reseed: string[] }
  | { done: 'template' }
  | { done: 'dropped' };

function bootSink(ctx: CommandContext) {
  return { notice: (m: string) => ctx.output.notice(m) };
}

/** --service / --tenant, and the full path on an external server: drop the schemas devup migrates. */
export async function resetSchemas(
  ctx: CommandContext,
  config: ResolvedConfig,
  settings: ResetRun,
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
  if (!(await confirmAndHold(ctx, config, settings, items, kept))) return { done: 'refused' };
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
export async function resetProject(
  ctx: CommandContext,
  config: ResolvedConfig,
  name: ConcreteEngine,
  settings: ResetRun,
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
  if (!(await confirmAndHold(ctx, config, settings, items, kept))) return { done: 'refused' };
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
  settings: ResetRun,
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
  if (!(await confirmAndHold(ctx, config, settings, items, kept))) return { done: 'refused' };
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
  settings: ResetRun,
): Promise<Outcome> {
  const { output } = ctx;
  const inside = { kind: 'database' as const, name: '(all)', detail: 'snapshots and templates inside it go too' };
  if (!(await confirmAndHold(ctx, config, settings, [...items, inside]))) return { done: 'refused' };
  await engine.destroy();
  output.line(`${output.style('green', '✔')} Destroyed ${items.map((i) => i.name).join(', ')}`);
  output.event({ event: 'reset', path: 'full', destroyed: items });
  return { done: 'dropped' };
}
